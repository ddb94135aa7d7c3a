//! The YAML reader against SnakeYAML's rules: scalars, collections, anchors and merges,
//! duplicates, errors with positions, alias bombs, CRLF and BOM.

use std::path::Path;

use super::*;

fn doc(text: &str) -> Vec<TopEntry> {
    parse_document(text, Path::new("t.yaml")).expect("parses")
}

fn one(text: &str) -> Value {
    doc(&format!("k: {text}\n")).remove(0).value
}

#[test]
fn scalars_resolve_like_snakeyaml() {
    assert_eq!(one("True"), Value::Bool(true));
    assert_eq!(one("yes"), Value::Bool(true));
    assert_eq!(one("OFF"), Value::Bool(false));
    assert_eq!(one("y"), Value::String("y".into()));
    assert_eq!(one("n"), Value::String("n".into()));
    assert_eq!(one("\"yes\""), Value::String("yes".into()));
    assert_eq!(one("007"), Value::String("007".into()));
    assert_eq!(one("0755"), Value::String("0755".into()));
    assert_eq!(one("0"), Value::Int(0));
    assert_eq!(one("-12"), Value::Int(-12));
    assert_eq!(one("1_000"), Value::Int(1000));
    assert_eq!(one("0x1F"), Value::Int(31));
    assert_eq!(one("0b101"), Value::Int(5));
    assert_eq!(one("1073741824"), Value::Int(1073741824));
    assert_eq!(
        one("99999999999999999999"),
        Value::String("99999999999999999999".into())
    );
    assert_eq!(one("0.8"), Value::Float(0.8));
    assert_eq!(one("1e3"), Value::Float(1000.0));
    assert_eq!(one("1.0"), Value::Float(1.0));
    assert_eq!(one("1:30"), Value::String("1:30".into()));
    assert_eq!(
        one("127.0.0.1:2181"),
        Value::String("127.0.0.1:2181".into())
    );
    assert_eq!(one("~"), Value::Null);
    assert_eq!(one(""), Value::Null);
    assert_eq!(one("${HOME}/x"), Value::String("${HOME}/x".into()));
    assert_eq!(one("!!str 12"), Value::String("12".into()));
    assert_eq!(one("!!float 12"), Value::Float(12.0));
    assert_eq!(one("e3"), Value::String("e3".into()));
    assert_eq!(one("."), Value::String(".".into()));
    assert_eq!(one("-x"), Value::String("-x".into()));
    assert_eq!(one("0x"), Value::String("0x".into()));
}

#[test]
fn maps_lists_anchors_and_merges() {
    let entries = doc("a: &base {x: 1, y: 2}\nb:\n  <<: *base\n  y: 3\nc: [1, two, *base]\n");
    assert_eq!(entries.len(), 3);
    let Value::Map(b) = &entries[1].value else {
        panic!("b is a map")
    };
    assert_eq!(b.get("x"), Some(&Value::Int(1)));
    assert_eq!(b.get("y"), Some(&Value::Int(3)));
    let Value::List(c) = &entries[2].value else {
        panic!("c is a list")
    };
    assert_eq!(c.len(), 3);
    assert_eq!(entries[1].line, 2);
}

#[test]
fn duplicates_are_kept_in_order() {
    let entries = doc("a: 1\na: 2\n");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].value, Value::Int(2));
}

#[test]
fn empty_and_comment_only_documents() {
    assert!(doc("").is_empty());
    assert!(doc("# nothing\n\n").is_empty());
}

#[test]
fn errors_name_line_and_column() {
    let err = parse_document("a: 1\nb: [1, 2\nc: 3\n", Path::new("x.yaml")).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("x.yaml"), "{text}");
    assert!(text.contains("line "), "{text}");
    assert!(text.contains("column "), "{text}");
    let err = parse_document("- a\n- b\n", Path::new("x.yaml")).unwrap_err();
    assert!(err.to_string().contains("top level"), "{err}");
    let err = parse_document("a: !custom x\n", Path::new("x.yaml")).unwrap_err();
    assert!(err.to_string().contains("unsupported tag"), "{err}");
    let err = parse_document("a: 1\n---\nb: 2\n", Path::new("x.yaml")).unwrap_err();
    assert!(err.to_string().contains("one YAML document"), "{err}");
    let err = parse_document("? [a]\n: 1\n", Path::new("x.yaml")).unwrap_err();
    assert!(err.to_string().contains("key must be text"), "{err}");
}

#[test]
fn alias_bombs_are_refused() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        let items = [prev.as_str(); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{items}]\n"));
    }
    let err = parse_document(&text, Path::new("bomb.yaml")).unwrap_err();
    assert!(err.to_string().contains("too many"), "{err}");
}

#[test]
fn crlf_and_bom() {
    let entries = doc("\u{feff}a: 1\r\nb: x\r\n");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].key, "a");
    assert_eq!(entries[1].value, Value::String("x".into()));
}

proptest::proptest! {
    #[test]
    fn random_text_never_panics(text in "[ -~\n\t]{0,200}") {
        let _ = parse_document(&text, Path::new("r.yaml"));
    }

    #[test]
    fn yaml_like_text_never_panics(
        lines in proptest::collection::vec("[a-z.]{0,6}(: |:|- |  )?[\\[\\]{}&*!|>'\"#a-z0-9 ,:-]{0,12}", 0..12)
    ) {
        let _ = parse_document(&lines.join("\n"), Path::new("r.yaml"));
    }
}
