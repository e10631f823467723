//! `verify --all` (issue 15, "Many clusters in one run"): every cluster of the regions asked
//! for, read a few at a time, one report with a row per cluster and the findings grouped by
//! check; a region the caller may not use is a row with the reason, the rest verified; the
//! exit code is the worst cluster's; the JSON has one entry per cluster and the SARIF and
//! JUnit are valid.

use eksharden_cli::exit::Exit;
use integration_tests::fault_proxy::{FaultProxy, Faults};
use integration_tests::moto::MotoOptions;
use integration_tests::schemas::{violations, Schema};
use serde_json::Value;

use super::{cluster_through_the_api, run, Target};

#[test]
fn every_cluster_of_the_regions_in_one_report_and_a_refused_region_said_as_such() {
    let Target::Emulator(moto) = Target::emulator(&MotoOptions::default()) else { unreachable!() };
    let direct = Target::Emulator(moto);
    cluster_through_the_api(&direct.aws("eu-west-1"), "alpha", "10.50");
    cluster_through_the_api(&direct.aws("eu-west-1"), "beta", "10.51");
    cluster_through_the_api(&direct.aws("us-east-2"), "gamma", "10.52");
    cluster_through_the_api(&direct.aws("ap-south-1"), "hidden", "10.53");
    let Target::Emulator(moto) = &direct else { unreachable!() };
    // The caller may not use ap-south-1 (an opt-in region it has not enabled).
    let proxy = FaultProxy::start(moto.address(), Faults { deny_region: Some("ap-south-1"), ..Faults::default() }, 1);
    let target = Target::External { endpoint: Some(proxy.endpoint()), profile: None };
    let all = |format: &str| {
        run(&target, &["verify", "--all", "--regions", "eu-west-1,us-east-2,ap-south-1", "--format", format])
    };

    let json = all("json");
    let document: Value = serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("{e}: {}", json.stdout));
    let clusters = document["clusters"].as_array().unwrap();
    let rows: Vec<(&str, &str, bool)> = clusters
        .iter()
        .map(|c| (c["region"].as_str().unwrap(), c["cluster"].as_str().unwrap(), c["report"].is_object()))
        .collect();
    assert_eq!(
        rows,
        [
            ("ap-south-1", "", false),
            ("eu-west-1", "alpha", true),
            ("eu-west-1", "beta", true),
            ("us-east-2", "gamma", true)
        ]
    );
    let refused = clusters[0]["error"].as_str().unwrap();
    assert!(refused.contains("EKS.ListClusters") && refused.contains("not authorized"), "{refused}");
    // The clusters built through the API keep their public endpoint: a finding in each, grouped.
    let grouped = document["findingsByCheck"]["endpoint-public-access"].as_array().unwrap();
    assert_eq!(grouped.len(), 3, "{grouped:?}");
    assert_eq!(json.exit, Exit::Findings, "the worst cluster has findings");

    let table = all("table");
    for line in
        ["verify --all: 3 cluster(s) read, 3 with findings, 1 could not be read", "eu-west-1/alpha", "us-east-2/gamma"]
    {
        assert!(table.stdout.contains(line), "{line}:\n{}", table.stdout);
    }
    assert!(table.stdout.contains("ap-south-1 (every cluster)  UNREADABLE"), "{}", table.stdout);
    assert!(table.stdout.contains("FINDINGS ACROSS THE FLEET\n"), "{}", table.stdout);
    assert!(table
        .stdout
        .contains("endpoint-public-access: 3 cluster(s): eu-west-1/alpha, eu-west-1/beta, us-east-2/gamma"));

    let sarif = all("sarif");
    assert_eq!(violations(Schema::Sarif, &sarif.stdout), Vec::<String>::new());
    let runs: Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_eq!(runs["runs"].as_array().unwrap().len(), 4, "a run per cluster, and one for the refused region");
    let junit = all("junit");
    assert_eq!(violations(Schema::Junit, &junit.stdout), Vec::<String>::new());
    assert!(junit.stdout.contains("name=\"eu-west-1/beta flows\"") && junit.stdout.contains("read the cluster"));

    // Every region readable, nothing refused: still the worst cluster's exit.
    let readable = run(&target, &["verify", "--all", "--regions", "us-east-2", "--concurrency", "1"]);
    assert_eq!(readable.exit, Exit::Findings, "{}", readable.stdout);
    assert!(readable.stdout.contains("1 cluster(s) read, 1 with findings, 0 could not be read"));
}
