//! HERON_OPTIONS as Heron's CLI writes it for `submit` and as Java readers read it back.

use heron_common::heron_options::{self, InitialState, SubmitOptions};

fn submit() -> SubmitOptions {
    SubmitOptions {
        tmp_directory: "/tmp/tmpab12".into(),
        initial_state: InitialState::Running,
        role: "www".into(),
        environment: "prod".into(),
        cluster: "aurora".into(),
        file_name: "/home/op/my topologies/wc.jar".into(),
        class_name: "org.example.WordCount".into(),
        submit_user: "op".into(),
        topology_name: None,
    }
}

#[test]
fn submit_options_in_herons_order_and_back() {
    let text = submit().encode().expect("encodes");
    assert_eq!(
        text,
        "cmdline.topologydefn.tmpdirectory=/tmp/tmpab12,cmdline.topology.initial.state=RUNNING,\
         cmdline.topology.role=www,cmdline.topology.environment=prod,cmdline.topology.cluster=aurora,\
         cmdline.topology.file_name=/home/op/my%%%%topologies/wc.jar,\
         cmdline.topology.class_name=org.example.WordCount,cmdline.topology.submit_user=op"
    );
    let decoded = heron_options::decode(&text);
    let owned: Vec<(String, String)> = submit()
        .pairs()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    assert_eq!(decoded, owned);
}

#[test]
fn pex_name_and_paused_state() {
    let mut options = submit();
    options.initial_state = InitialState::Paused;
    options.class_name = "wc.topology.WordCount".into();
    options.topology_name = Some("wordcount".into());
    let decoded = heron_options::decode(&options.encode().expect("encodes"));
    assert!(decoded.contains(&(heron_options::INITIAL_STATE.into(), "PAUSED".into())));
    assert_eq!(
        decoded.last(),
        Some(&(
            heron_options::TOPOLOGY_NAME.to_string(),
            "wordcount".to_string()
        ))
    );
}

#[test]
fn unrepresentable_values_name_the_option() {
    let mut options = submit();
    options.file_name = "/tmp/a,b.jar".into();
    let err = options.encode().unwrap_err().to_string();
    assert!(err.contains("cmdline.topology.file_name"), "{err}");
    let mut options = submit();
    options.tmp_directory = "/tmp/x=y".into();
    let err = options.encode().unwrap_err().to_string();
    assert!(err.contains("cmdline.topologydefn.tmpdirectory"), "{err}");
}

#[test]
fn spaces_everywhere_and_empty_values() {
    let pairs = [("k", " lead and trail "), ("empty", "")];
    let text = heron_options::encode(&pairs).expect("encodes");
    assert_eq!(text, "k=%%%%lead%%%%and%%%%trail%%%%,empty=");
    // Java drops the pair with the empty value (its split drops trailing empty parts).
    assert_eq!(
        heron_options::decode(&text),
        vec![("k".to_string(), " lead and trail ".to_string())]
    );
}
