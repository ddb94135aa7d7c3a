//! The scanner on small templates: what it rewrites, what it refuses, and where.

use super::*;

fn rewritten(src: &str) -> String {
    scan(src)
        .map(|s| s.text)
        .unwrap_or_else(|e| format!("ERR {}:{} {}", e.pos.line, e.pos.column, e.message))
}

#[test]
fn aurora_references_become_handlebars_escapes() {
    assert_eq!(
        rewritten("x = '{{mesos.instance}} {{thermos.ports[http]}} {{&raw}}'"),
        r"x = '\{{mesos.instance}} \{{thermos.ports[http]}} \{{&raw}}'"
    );
}

#[test]
fn heron_values_get_the_helper_of_their_context() {
    assert_eq!(rewritten("a = '{{X}}'"), "a = '{{__heron_sq X}}'");
    assert_eq!(rewritten("a = \"{{X}}\""), "a = \"{{__heron_dq X}}\"");
    assert_eq!(rewritten("a = {{X}}"), "a = {{__heron_code X}}");
    assert_eq!(rewritten("# {{X}}\n"), "# {{__heron_comment X}}\n");
    assert_eq!(
        rewritten("a = '''\n{{X}}'''"),
        "a = '''\n{{__heron_sq X}}'''"
    );
    assert_eq!(rewritten("a = '{{sh X}}'"), "a = '{{__heron_sq (sh X)}}'");
    assert_eq!(rewritten("a = {{py X}}"), "a = {{py X}}");
    assert_eq!(rewritten("a = '{{~X~}}'"), "a = '{{~__heron_sq X~}}'");
    assert_eq!(
        rewritten("a = 'it\\'s {{X}}'"),
        "a = 'it\\'s {{__heron_sq X}}'"
    );
    assert_eq!(rewritten("a = '' + {{X}}"), "a = '' + {{__heron_code X}}");
}

#[test]
fn blocks_pass_through_and_must_balance() {
    assert_eq!(
        rewritten("{{#if T}}t = '{{T}}'{{/if}}"),
        "{{#if T}}t = '{{__heron_sq T}}'{{/if}}"
    );
    assert_eq!(
        rewritten("a\n  {{#if T}}"),
        "ERR 2:3 `{{#if}}` is never closed: add `{{/if}}`"
    );
    assert!(rewritten("{{#if T}}{{/each}}").starts_with("ERR 1:10 `{{/each}}` closes `{{#if}}`"));
    assert_eq!(
        rewritten("{{#each L as |item|}}{{item.x}}{{/each}}"),
        "{{#each L as |item|}}{{__heron_code item.x}}{{/each}}"
    );
}

#[test]
fn forbidden_forms_are_errors_with_positions() {
    assert!(rewritten("a = r'{{X}}'").starts_with("ERR 1:7 a binding inside a raw string"));
    assert!(rewritten("a = '{{py X}}'").starts_with("ERR 1:6 `{{py ...}}`"));
    assert!(rewritten("\n {{{X}}}").starts_with("ERR 2:2 `{{{...}}}`"));
    assert!(rewritten("{{X").starts_with("ERR 1:1 `{{` is never closed"));
}

#[test]
fn uses_are_recorded_with_positions() {
    let s = scan("a = '{{A}}'\n{{#if B}}{{sh C.d}}{{/if}} {{lookup D 'E'}}").expect("scans");
    let names: Vec<_> = s
        .uses
        .iter()
        .map(|u| (u.name.as_str(), u.pos.line, u.pos.column))
        .collect();
    assert_eq!(
        names,
        vec![("A", 1, 6), ("B", 2, 1), ("C", 2, 10), ("D", 2, 28)]
    );
}

#[test]
fn positions_map_back_through_insertions() {
    let s = scan("x = '{{mesos.instance}}' + '{{A}}'\ny = {{B}}").expect("scans");
    // `{{A}}` starts at column 29 in the template; handlebars sees it one column later.
    let hb_col = s
        .text
        .lines()
        .next()
        .map(|l| l.find("{{__heron_sq").unwrap_or(0) + 1)
        .unwrap_or(0);
    assert_eq!(hb_col, 30);
    assert_eq!(
        s.original_pos(1, hb_col),
        Pos {
            line: 1,
            column: 29
        }
    );
    assert_eq!(s.original_pos(2, 5), Pos { line: 2, column: 5 });
}
