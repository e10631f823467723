//! The report people look at (issue 16): a clean `examples/full.yaml` cluster's table fits one
//! 50-line screen at 100 columns, each finding is one line naming the rule that decided it,
//! and `-v` shows every endpoint pair with its full reasons; `graph` draws the deployed
//! cluster and marks the rule a finding rests on; `--format html` is one self-contained page.

use integration_tests::browser::Browser;
use integration_tests::cli::{binary, TEST_AWS_ENVIRONMENT};
use integration_tests::moto::MotoOptions;

use super::{create, example, node_general_group, open_ssh_to_the_internet, run, Target};

/// The report's lines with the ids the emulator made up replaced (and the random suffix
/// CloudFormation gives the names it makes), so that a snapshot holds.
fn normalized(report: &str) -> String {
    let mut out = String::new();
    for word in report.split_inclusive([' ', '(', ')', ',', ';', ':', '\n']) {
        let id_at = ["sg-", "subnet-", "eni-", "i-", "acl-", "rtb-", "fl-"].iter().find_map(|p| {
            word.strip_prefix(p).filter(|rest| rest.starts_with(|c: char| c.is_ascii_hexdigit())).map(|_| p)
        });
        match id_at {
            Some(prefix) => {
                let tail: String = word.chars().rev().take_while(|c| !c.is_ascii_alphanumeric()).collect();
                out.push_str(&format!("{prefix}ID{}", tail.chars().rev().collect::<String>()));
            }
            None => match word.rsplit_once('-') {
                // `...SecurityGroup-8PTON6DHC7E5`: CloudFormation's suffix.
                Some((name, suffix))
                    if suffix.trim_end().len() >= 8
                        && suffix.trim_end().chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) =>
                {
                    let tail: String = suffix.chars().skip_while(|c| c.is_ascii_alphanumeric()).collect();
                    out.push_str(&format!("{name}-SUFFIX{tail}"));
                }
                _ => out.push_str(word),
            },
        }
    }
    out
}

#[test]
fn the_table_the_picture_and_the_page_of_a_clean_cluster_and_of_one_with_ssh_open() {
    let target = Target::emulator(&MotoOptions::default());
    let (file, spec) = example("full");
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(create(&target, &file, &dir).0.exit, eksharden_cli::exit::Exit::Ok);
    let (cluster, region) = (spec.metadata.name.as_str(), spec.metadata.region.as_str());

    // Lines are whole when the report is not for a terminal: counted as a 100-column
    // screen shows them, wrapped.
    let clean = run(&target, &["verify", cluster, "--region", region]);
    let lines: Vec<&str> = clean.stdout.lines().collect();
    let screen_lines: usize = lines.iter().map(|l| l.chars().count().div_ceil(100).max(1)).sum();
    assert!(screen_lines <= 50, "{screen_lines} lines at 100 columns:\n{}", clean.stdout);
    assert!(clean.stdout.contains("PASSED 31 checks"), "{}", clean.stdout);
    insta::assert_snapshot!("clean_full_cluster", normalized(&clean.stdout));

    // -v: every pair and its full reasons (the rule's group name and description among them).
    let verbose = run(&target, &["verify", cluster, "--region", region, "-v"]);
    assert!(verbose.stdout.lines().count() > lines.len());
    for words in [
        "[representative] -> node group apps",
        "\"AWS-EKS-SG node minimum inbound from other nodes",
        "PASS nodes-to-api",
    ] {
        assert!(verbose.stdout.contains(words), "{words}:\n{}", verbose.stdout);
    }
    assert!(verbose.stdout.contains("NOTES\n  control plane: 2 real interfaces"), "{}", verbose.stdout);

    // The picture of the deployed cluster: every group its roles carry, no rule marked.
    let picture = |format: &str| run(&target, &["graph", cluster, "--region", region, "--format", format]).stdout;
    let clean_dot = picture("dot");
    assert!(layout::gv::DotParser::new(&clean_dot).process().is_ok(), "{clean_dot}");
    assert!(!clean_dot.contains("color=red"), "{clean_dot}");
    assert!(clean_dot.contains("subgraph cluster_subnet_"), "roles sit in their subnets: {clean_dot}");

    // -v and -vv mean different things: the report's every reason, then also the log lines;
    // neither shows the credentials.
    let process = |verbosity: &str| {
        let output = std::process::Command::new(binary())
            .args(["verify", cluster, "--region", region, verbosity, "--no-progress"])
            .args(target.args())
            .env_clear()
            .envs(TEST_AWS_ENVIRONMENT)
            .output()
            .unwrap();
        (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
    };
    let (v_out, v_err) = process("-v");
    let (vv_out, vv_err) = process("-vv");
    assert!(v_out.contains("NOTES\n  control plane: 2 real interfaces") && vv_out.contains("NOTES\n  control plane"));
    assert!(!v_err.contains("DEBUG"), "-v logs nothing: {v_err}");
    for line in ["connected to AWS region=eu-west-1", "discovered cluster=\"prod-a\"", "verified flows="] {
        assert!(vv_err.contains(line), "-vv logs `{line}`:\n{vv_err}");
    }
    for secret in ["eksharden-test-secret", "AKIDEKSHARDENTEST", "Authorization", "k8s-aws-v1."] {
        assert!(!vv_err.contains(secret) && !vv_out.contains(secret), "-vv printed {secret}");
    }

    // A finding: SSH open to the internet on the nodes' group. One line each, with its rule.
    let aws = target.aws(region);
    let nodes = node_general_group(&aws, cluster);
    open_ssh_to_the_internet(&aws, &nodes);
    let broken = run(&target, &["verify", cluster, "--region", region]);
    let findings: Vec<&str> =
        broken.stdout.lines().skip_while(|l| *l != "FINDINGS").skip(1).take_while(|l| !l.is_empty()).collect();
    assert!(!findings.is_empty(), "{}", broken.stdout);
    let open_ingress = findings.iter().find(|l| l.contains("open-ingress")).expect("the open-ingress finding");
    assert!(open_ingress.starts_with("  FAIL open-ingress"), "{open_ingress}");
    // The node subnets' ACL still blocks it (and the route: they are private), but the
    // groups no longer do on their own, and the line names the rule.
    let ssh_line =
        findings.iter().find(|l| l.contains(" ssh-to-nodes-only-from-bastion ")).expect("SSH from other hosts");
    assert!(ssh_line.contains(&format!("SGs let it in: {nodes}: tcp 22 from 0.0.0.0/0")), "{ssh_line}");
    insta::assert_snapshot!("findings_full_cluster", normalized(&findings.join("\n")));

    // The picture marks the broken rule: the internet to the nodes' group on 22.
    let key = nodes.replace('-', "_");
    let dot = picture("dot");
    let marked: Vec<&str> = dot.lines().filter(|l| l.contains("color=red")).collect();
    let broken =
        format!("  n_0_0_0_0_0 -> {key} [label=\"tcp 22\", style=solid, color=red, fontcolor=red, penwidth=3];");
    assert_eq!(marked, [broken.as_str()], "{dot}");
    let svg = picture("svg");
    assert!(svg.contains(&nodes) && svg.contains("the internet (0.0.0.0/0)"), "{svg}");
    assert!(picture("mermaid").contains("stroke:red"));

    // The page: self-contained, findings before the picture, the data inside it.
    let page = run(&target, &["verify", cluster, "--region", region, "--format", "html"]).stdout;
    assert!(page.starts_with("<!doctype html>"), "{}", &page[..200.min(page.len())]);
    // (The picture's edge labels refer to its own paths: `href="#arrow3"`.)
    for external in
        ["<link", "src=", "href=\"http", "href=\"//", "url(http", "url(//", "@import", "fetch(", "XMLHttpRequest"]
    {
        assert!(!page.contains(external), "the page refers to something outside it ({external})");
    }
    assert!(page.matches("href=\"").count() == page.matches("href=\"#").count(), "every link is within the page");
    let at = |text: &str| page.find(text).unwrap_or_else(|| panic!("{text} is not on the page"));
    assert!(at("id=\"findings\"") < at("id=\"picture\"") && at("id=\"picture\"") < at("id=\"matrix\""));
    assert!(page.contains(&format!("SGs let it in: {nodes}: tcp 22 from 0.0.0.0/0")));
    assert!(page.contains("<svg") && page.contains("the internet (0.0.0.0/0)"));
    let opening = "<script type=\"application/json\" id=\"eksharden-data\">";
    let data = &page[at(opening) + opening.len()..];
    let data: serde_json::Value = serde_json::from_str(&data[..data.find("</script>").unwrap()]).unwrap();
    assert_eq!((data["findings"].as_u64(), data["cluster"].as_str()), (Some(4), Some(cluster)), "{data}");
    // The data part's shape: each role pair's checks and verdicts (the reasons hold made-up ids).
    let pairs: Vec<String> = data["pairs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(pair, checks)| {
            let checks: Vec<String> = checks
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    format!(
                        "{} {} ({} reasons)",
                        c["status"].as_str().unwrap(),
                        c["id"].as_str().unwrap(),
                        c["reasons"].as_array().unwrap().len()
                    )
                })
                .collect();
            format!("{pair}: {}", checks.join(", "))
        })
        .collect();
    insta::assert_snapshot!("html_data_pairs", pairs.join("\n"));
    in_a_browser(&page, cluster);

    // harden writes its plan the same way: the changes first, nothing changed.
    let plan =
        run(&target, &["harden", cluster, "--region", region, "--only", "ssh-ingress,logging", "--format", "html"]);
    assert!(plan.stdout.starts_with("<!doctype html>"), "{}\n{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("eksharden harden prod-a: the plan"));
    let change = plan.stdout.find("<span class=\"id\">ssh-ingress</span>").expect("the ssh-ingress step");
    let compliant = plan.stdout.find("<span class=\"id\">logging</span>").expect("the logging step");
    assert!(change < compliant, "the step with changes comes first");
    assert!(plan.stdout.contains("0.0.0.0/0"), "the change names the rule it revokes");
    let refused = run(&target, &["harden", cluster, "--region", region, "--format", "html", "--apply", "--yes"]);
    assert_eq!(refused.exit, eksharden_cli::exit::Exit::Input, "{}", refused.stderr);
}

/// The page in headless Chromium, from a file: no console error, no request but the file
/// itself, the findings and the picture on the first screen, a cell's reasons shown after a
/// click, and the findings still first at 480 pixels wide.
fn in_a_browser(page: &str, cluster: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    std::fs::write(&file, page).unwrap();
    let mut browser = Browser::start(1280, 1000).expect("headless Chromium starts");
    browser.open(&file).unwrap();
    let top = |browser: &mut Browser, selector: &str| {
        let at =
            browser.evaluate(&format!("document.querySelector({selector:?}).getBoundingClientRect().top")).unwrap();
        at.as_f64().unwrap_or_else(|| panic!("{selector}: {at}"))
    };
    assert!(top(&mut browser, "#picture svg") < 1000.0, "the findings and the picture are on the first screen");
    let picture = browser.evaluate("document.querySelector('#picture svg').getBoundingClientRect().width").unwrap();
    assert!(picture.as_f64().unwrap() > 300.0, "the picture is drawn: {picture}");
    let shot = browser.screenshot().unwrap();
    assert!(shot.starts_with(b"\x89PNG") && shot.len() > 10_000, "a screenshot of the page");
    if let Ok(dir) = std::env::var("EKSHARDEN_SCREENSHOTS") {
        std::fs::write(std::path::Path::new(&dir).join("report-1280.png"), &shot).unwrap();
    }

    // A finding's cell, clicked: its reasons appear in the panel, which takes the focus.
    browser.click("button.cell.fail").unwrap();
    let reasons = browser.evaluate("document.getElementById('reasons').innerText").unwrap();
    let reasons = reasons.as_str().unwrap();
    assert!(reasons.contains("FAIL ssh-to-nodes-only-from-bastion"), "{reasons}");
    assert!(reasons.contains("tcp 22 from 0.0.0.0/0"), "{reasons}");
    assert_eq!(browser.evaluate("document.activeElement.id").unwrap(), "reasons");

    // Narrow: the findings still come first, on the first screen.
    browser.resize(480, 900).unwrap();
    browser.open(&file).unwrap();
    let (findings, picture) = (top(&mut browser, "#findings"), top(&mut browser, "#picture"));
    assert!(findings < picture && findings < 900.0, "findings at {findings}, picture at {picture}");
    let title = browser.evaluate("document.title").unwrap();
    assert_eq!(title.as_str(), Some(format!("eksharden verify {cluster} (eu-west-1)").as_str()));
    if let Ok(dir) = std::env::var("EKSHARDEN_SCREENSHOTS") {
        std::fs::write(std::path::Path::new(&dir).join("report-480.png"), browser.screenshot().unwrap()).unwrap();
    }

    assert_eq!(browser.console_errors(), Vec::<String>::new(), "the console stays clean");
    let outside: Vec<String> = browser.requests().into_iter().filter(|url| !url.starts_with("file://")).collect();
    assert_eq!(outside, Vec::<String>::new(), "the page makes no request beyond its own file");
}
