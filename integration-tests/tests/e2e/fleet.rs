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

use eksharden_aws::Settings;

use super::{block_on, cluster_through_the_api, run, Target};

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

/// Makes role `auditor` in `account`, trusting the caller's account, as an organisation's
/// audit role is (the emulator takes the account of an IAM call from its `x-moto-account-id`
/// header).
fn auditor_role_in(aws: &eksharden_aws::Aws, account: &str) {
    let account = account.to_owned();
    let trust = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::123456789012:root" }, "Action": "sts:AssumeRole" }],
    });
    let create = aws.iam.create_role().role_name("auditor").assume_role_policy_document(trust.to_string());
    let create = create.customize().mutate_request(move |request| {
        request.headers_mut().insert("x-moto-account-id", account.clone());
    });
    block_on(create.send()).unwrap();
}

#[test]
fn every_account_entered_through_its_role_and_one_whose_role_cannot_be_assumed() {
    let Target::Emulator(moto) = Target::emulator(&MotoOptions::default()) else { unreachable!() };
    let endpoint = moto.endpoint();
    let direct = Target::Emulator(moto);
    let home = direct.aws("eu-west-1");
    // A cluster in each of two other accounts (the emulator keeps an account per assumed
    // role's credentials), and one in the caller's own, which --accounts leaves out.
    for (account, cluster, block) in [("111111111111", "one", "10.60"), ("222222222222", "two", "10.61")] {
        auditor_role_in(&home, account);
        let role = format!("arn:aws:iam::{account}:role/auditor");
        let credentials = block_on(eksharden_aws::token::assumed(&home, &role)).unwrap();
        let settings =
            Settings { endpoint_url: Some(endpoint.clone()), region: Some("eu-west-1".into()), ..Settings::default() };
        let there = block_on(eksharden_aws::Aws::connect_as(&settings, credentials)).unwrap();
        cluster_through_the_api(&there, cluster, block);
    }
    cluster_through_the_api(&home, "own", "10.62");
    // 333333333333 has no role the caller may assume.
    let target = direct;
    let accounts = "111111111111,222222222222,333333333333";
    let run_all = |format: &str| {
        run(
            &target,
            &[
                "verify",
                "--all",
                "--accounts",
                accounts,
                "--role-name",
                "auditor",
                "--external-id",
                "fleet-audit",
                "--regions",
                "eu-west-1",
                "--format",
                format,
            ],
        )
    };
    let json = run_all("json");
    let document: Value =
        serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", json.stdout, json.stderr));
    let rows: Vec<(&str, &str, &str, bool)> = document["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["account"].as_str().unwrap(),
                c["region"].as_str().unwrap(),
                c["cluster"].as_str().unwrap(),
                c["report"].is_object(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("111111111111", "eu-west-1", "one", true),
            ("222222222222", "eu-west-1", "two", true),
            ("333333333333", "", "", false),
        ]
    );
    let refused = document["clusters"][2]["error"].as_str().unwrap();
    assert!(
        refused.contains("cannot assume arn:aws:iam::333333333333:role/auditor") && refused.contains("STS.AssumeRole"),
        "{refused}"
    );
    assert_eq!(json.exit, Exit::Findings);
    let table = run_all("table");
    assert!(
        table.stdout.contains("111111111111/eu-west-1/one")
            && table.stdout.contains("333333333333 (every region)  UNREADABLE"),
        "{}",
        table.stdout
    );
    assert!(!table.stdout.contains("/own"), "the caller's own account is not asked for: {}", table.stdout);
    // Without the role name, accounts are refused before anything is read.
    let incomplete = run(&target, &["verify", "--all", "--accounts", "111111111111"]);
    assert_eq!(incomplete.exit, Exit::Input, "{}", incomplete.stderr);
}

#[test]
fn every_account_of_the_organization_through_its_role() {
    let Target::Emulator(moto) = Target::emulator(&MotoOptions::default()) else { unreachable!() };
    let endpoint = moto.endpoint();
    let target = Target::Emulator(moto);
    let home = target.aws("eu-west-1");
    let organizations = &home.organizations;
    let all_features = aws_sdk_organizations::types::OrganizationFeatureSet::All;
    block_on(organizations.create_organization().feature_set(all_features).send()).unwrap();
    let created = block_on(organizations.create_account().email("team-a@example.com").account_name("team-a").send());
    let team = created.unwrap().create_account_status().unwrap().account_id().unwrap().to_owned();
    auditor_role_in(&home, &team);
    let credentials =
        block_on(eksharden_aws::token::assumed(&home, &format!("arn:aws:iam::{team}:role/auditor"))).unwrap();
    let settings = Settings { endpoint_url: Some(endpoint), region: Some("eu-west-1".into()), ..Settings::default() };
    cluster_through_the_api(
        &block_on(eksharden_aws::Aws::connect_as(&settings, credentials)).unwrap(),
        "team",
        "10.70",
    );

    let args =
        ["verify", "--all", "--organization", "--role-name", "auditor", "--regions", "eu-west-1", "--format", "json"];
    let json = run(&target, &args);
    let document: Value =
        serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", json.stdout, json.stderr));
    let rows: Vec<(&str, &str, bool)> = document["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["account"].as_str().unwrap(), c["cluster"].as_str().unwrap(), c["report"].is_object()))
        .collect();
    // The management account (the emulator's own) has no auditor role: said, and the others
    // go on (rows come in account order; the emulator draws the new account's id).
    let mut expected = vec![("123456789012", "", false), (team.as_str(), "team", true)];
    expected.sort();
    assert_eq!(rows, expected);
    let refused = document["clusters"].as_array().unwrap().iter().find_map(|c| c["error"].as_str()).unwrap();
    assert!(refused.contains("cannot assume arn:aws:iam::123456789012:role/auditor"), "{refused}");
    // The page is one cluster's: --all refuses it rather than print something else.
    let page = run(&target, &["verify", "--all", "--regions", "eu-west-1", "--format", "html"]);
    assert_eq!(page.exit, Exit::Input, "{}", page.stdout);
    assert!(page.stderr.contains("--format html is one cluster's page"), "{}", page.stderr);
    // --role-name alone names no accounts.
    let alone = run(&target, &["verify", "--all", "--role-name", "auditor"]);
    assert_eq!(alone.exit, Exit::Input, "{}", alone.stderr);
}
