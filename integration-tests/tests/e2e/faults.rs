//! AWS misbehaving: throttling, server errors, dropped connections; and a dry run that must
//! not write.

use eksharden_cli::exit::Exit;
use integration_tests::fault_proxy::{FaultProxy, Faults};
use integration_tests::moto::MotoOptions;

use super::readback::census;
use super::{block_on, create, example, run, Target};

#[test]
fn create_converges_through_throttling_and_server_errors() {
    let Target::Emulator(moto) = Target::emulator(&MotoOptions::default()) else { unreachable!() };
    let faults = Faults { throttle: 0.20, server_error: 0.05, ..Faults::default() };
    let proxy = FaultProxy::start(moto.address(), faults, 0x5eed);
    let through_proxy = Target::External { endpoint: Some(proxy.endpoint()), profile: None };
    let (file, spec) = example("full");
    let dir = tempfile::tempdir().unwrap();
    let (created, _) = create(&through_proxy, &file, &dir);
    assert_eq!(created.exit, Exit::Ok, "{}", created.stderr);
    let counts = proxy.counts();
    assert!(
        counts.faults * 100 >= counts.total() * 15,
        "about a quarter of {} calls failed, {} did",
        counts.total(),
        counts.faults
    );

    // The same end state as a run without faults.
    let clean = Target::emulator(&MotoOptions::default());
    assert_eq!(create(&clean, &file, &dir).0.exit, Exit::Ok);
    let direct = Target::Emulator(moto);
    assert_eq!(
        block_on(census(&direct.aws(&spec.metadata.region), &spec.metadata.name)),
        block_on(census(&clean.aws(&spec.metadata.region), &spec.metadata.name))
    );
}

#[test]
fn dropped_connections_are_retried() {
    let Target::Emulator(moto) = Target::emulator(&MotoOptions::default()) else { unreachable!() };
    let proxy = FaultProxy::start(moto.address(), Faults { drop_connection: 0.10, ..Faults::default() }, 7);
    let through_proxy = Target::External { endpoint: Some(proxy.endpoint()), profile: None };
    let (file, _) = example("minimal");
    let dir = tempfile::tempdir().unwrap();
    let (created, _) = create(&through_proxy, &file, &dir);
    assert_eq!(created.exit, Exit::Ok, "{}", created.stderr);
    assert!(proxy.counts().faults > 0, "some connections were dropped");
}

#[test]
fn a_dry_run_shows_the_changes_and_writes_nothing() {
    let Target::Emulator(moto) = Target::emulator(&MotoOptions::default()) else { unreachable!() };
    let (file, _) = example("minimal");
    let dir = tempfile::tempdir().unwrap();
    let direct = Target::Emulator(moto);
    assert_eq!(create(&direct, &file, &dir).0.exit, Exit::Ok);

    let Target::Emulator(moto) = direct else { unreachable!() };
    let proxy = FaultProxy::start(moto.address(), Faults::default(), 1);
    let watched = Target::External { endpoint: Some(proxy.endpoint()), profile: None };
    let changed = dir.path().join("changed.yaml");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("  - name: general\n", "  - name: general\n    desiredSize: 3\n");
    std::fs::write(&changed, text).unwrap();
    let preview = run(&watched, &["create", "--dry-run", "-f", changed.to_str().unwrap()]);
    assert_eq!(preview.exit, Exit::Ok, "{}", preview.stderr);
    let line = preview.stdout.lines().find(|l| l.contains("nodegroup-general")).unwrap_or_default();
    assert!(line.contains("update: modify NodeGroup"), "{}", preview.stdout);
    assert!(
        preview.stdout.lines().filter(|l| l.contains("unchanged")).count() == 4,
        "the other stacks are unchanged:\n{}",
        preview.stdout
    );
    let calls = proxy.counts().calls;
    let writes: Vec<&String> = calls
        .keys()
        .filter(|action| {
            !["Describe", "Get", "List"]
                .iter()
                .any(|read| action.split(':').nth(1).is_some_and(|a| a.starts_with(read)))
        })
        .collect();
    assert!(writes.is_empty(), "the dry run made only read calls, not {writes:?}");
    assert!(calls.keys().any(|a| a == "cloudformation:GetTemplate"), "it compared templates: {calls:?}");
}
