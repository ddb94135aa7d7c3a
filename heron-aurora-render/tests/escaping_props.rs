//! Property tests: whatever a value holds, the rendered file parses as Python and the value comes
//! back out of the parsed literal unchanged, in every place a template can put it.

use heron_aurora_render::quote::{find_pystachio_ref, sh_word};
use heron_aurora_render::{Bindings, FetchCommands, Template, render};
use proptest::prelude::*;
use rustpython_parser::ast::{self, Constant, Expr, Stmt};

fn render_with(template: &str, value: &str) -> Result<String, String> {
    let mut bindings = Bindings::new();
    let doc = serde_json::json!({ "V": value }).to_string();
    bindings
        .add_document(&doc, "values.json")
        .map_err(|e| e.to_string())?;
    render(
        &Template::new("t.aurora", template),
        &bindings,
        &FetchCommands::default(),
    )
    .map_err(|e| e.to_string())
}

/// The module's statements.
fn parse(source: &str) -> Vec<Stmt> {
    match rustpython_parser::parse(source, rustpython_parser::Mode::Module, "t.aurora") {
        Ok(ast::Mod::Module(m)) => m.body,
        other => panic!("not a module: {other:?}\n{source}"),
    }
}

/// The string constant assigned to `x`.
fn value_of_x(source: &str) -> String {
    for stmt in parse(source) {
        if let Stmt::Assign(a) = stmt
            && let [Expr::Name(n)] = a.targets.as_slice()
            && n.id.as_str() == "x"
            && let Expr::Constant(c) = *a.value
            && let Constant::Str(s) = c.value
        {
            return s;
        }
    }
    panic!("no `x = '...'` in\n{source}")
}

const STRING_PLACES: &[&str] = &[
    "x = '{{V}}'\n",
    "x = \"{{V}}\"\n",
    "x = '''{{V}}'''\n",
    "x = \"\"\"{{V}}\"\"\"\n",
    "x = u'{{V}}'\n",
    "x = {{V}}\n",
    "x = {{py V}}\n",
    "x = '{{mesos.instance}}' \\\n  '{{V}}'\n",
];

fn values() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::string::string_regex("[a-z '\"\\\\{}\n\r\t%#$`]{0,30}").expect("regex"),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_value_comes_back_unchanged(value in values()) {
        prop_assume!(find_pystachio_ref(&value).is_none());
        for place in STRING_PLACES {
            let job = render_with(place, &value).map_err(|e| TestCaseError::fail(format!("{place:?}: {e}")))?;
            let back = value_of_x(&job);
            let expected = if place.contains("mesos") { format!("{{{{mesos.instance}}}}{value}") } else { value.clone() };
            prop_assert_eq!(back, expected, "{:?}", place);
        }
        // Shell-quoted, the value is one word whatever it holds, and Aurora sees no reference in it.
        let job = render_with("x = '{{sh V}}'\n", &value).map_err(TestCaseError::fail)?;
        let back = value_of_x(&job);
        prop_assert!(find_pystachio_ref(&back).is_none());
        prop_assert_eq!(back, sh_word(&value));
        // In a comment it stays in the comment.
        let job = render_with("# note: {{V}}\nx = 'after'\n", &value).map_err(TestCaseError::fail)?;
        prop_assert_eq!(parse(&job).len(), 1);
        prop_assert_eq!(value_of_x(&job), "after");
    }

    #[test]
    fn a_value_holding_a_reference_is_refused_not_rendered(prefix in "[a-z ]{0,5}", name in "[a-z.\\[\\]]{1,10}") {
        let value = format!("{prefix}{{{{{name}}}}}");
        let err = render_with("x = '{{V}}'\n", &value).expect_err("refused");
        prop_assert!(err.contains("the value of V contains"), "{}", err);
        // Through `sh` it is fine.
        prop_assert!(render_with("x = '{{sh V}}'\n", &value).is_ok());
    }

    #[test]
    fn references_formed_across_a_value_boundary_are_refused(name in "[a-z]{1,8}") {
        let err = render_with("x = '{{V}}}'\n", &format!("{{{{{name}}}")).expect_err("refused");
        prop_assert!(err.contains("which the template does not"), "{}", err);
    }

    #[test]
    fn scanning_never_panics(template in "(\\{\\{|\\}\\}|[#/^~&!'\" a-zA-Z\n\\\\{}.\\[\\]()=]){0,40}") {
        let _ = heron_aurora_render::list_variables(&Template::new("t", template.clone()));
        let _ = render_with(&template, "v");
    }
}
