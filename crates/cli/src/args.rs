//! The command line, from one table of flags: help, completions and parsing agree.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;
use eksharden_harden::StepId;
use eksharden_spec::model::GUARDED_PORTS;
use eksharden_spec::values::{Arn, Cidr};

/// Create Amazon EKS clusters hardened from the first minute, and prove it.
#[derive(Debug, Parser)]
#[command(
    name = "eksharden",
    version,
    about = "Create Amazon EKS clusters hardened from the first minute, harden the clusters you have, and prove it flow by flow",
    propagate_version = true
)]
#[command(
    after_help = "Exit codes: 0 ok, 1 findings, 2 input or usage error, 3 infrastructure failure (or a check that could not be judged), 130 interrupted"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// More detail on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// The AWS region; else the spec's, else the profile's or AWS_DEFAULT_REGION.
    #[arg(long, global = true, env = "AWS_REGION", value_parser = region)]
    pub region: Option<String>,
    /// A named AWS profile from the shared config files.
    #[arg(long, global = true, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Send every AWS call to this endpoint (a local emulator or LocalStack).
    #[arg(long, global = true, env = "AWS_ENDPOINT_URL", value_name = "URL", value_parser = endpoint_url)]
    pub endpoint_url: Option<String>,
    /// Plain progress lines even on a terminal.
    #[arg(long, global = true)]
    pub no_progress: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and validate a spec; errors point at file, line and column.
    Validate(SpecArgs),
    /// Write the CloudFormation templates, stack graph and manifests a spec produces; no AWS call.
    Render(RenderArgs),
    /// Deploy the stacks of a spec, wait for the cluster, write a kubeconfig entry.
    Create(CreateArgs),
    /// Delete a cluster's stacks in reverse order and list anything left.
    Delete(DeleteArgs),
    /// Read a cluster back from AWS: check every flow it needs or must not have, and its settings.
    Verify(VerifyArgs),
    /// Plan the hardening steps for a running cluster; with --apply, make the changes and verify.
    Harden(HardenArgs),
    /// Draw a cluster's network (groups, rules, roles, subnets), deployed or from a spec.
    Graph(GraphArgs),
    /// Print an EKS bearer token as the ExecCredential kubectl's exec plugin reads.
    Token(TokenArgs),
    /// Print the JSON Schema of the spec, for editors.
    Schema,
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: Shell,
    },
}

/// A spec file, and how to report on it.
#[derive(Debug, Args)]
pub struct SpecArgs {
    /// The spec file (eksharden or eksctl format); `-` reads stdin.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: PathBuf,
    /// How to print the result.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub output: Format,
}

/// Output formats of `validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Messages for people.
    Text,
    /// One JSON document on stdout.
    Json,
}

/// How `harden` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HardenFormat {
    /// Messages for people.
    Text,
    /// JSON documents on stdout: the plans, then with --apply the results and the report.
    Json,
    /// The plan as one self-contained HTML page.
    Html,
}

/// Arguments of `render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The spec file (eksharden or eksctl format); `-` reads stdin.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: PathBuf,
    /// Write files into this directory; without it, one JSON document goes to stdout.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Arguments of `create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The spec file (eksharden or eksctl format); `-` reads stdin.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: PathBuf,
    /// Show the stacks and what would change in each; call nothing that writes.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub yes: bool,
    /// Write the kubeconfig entry to this file instead of $KUBECONFIG or ~/.kube/config.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Reach the cluster API here (a tunnel to the private endpoint): with it, `create` also
    /// runs the Kubernetes hardening steps (access mapping, RBAC bindings, system:masters,
    /// the SSH egress policy); without it they are left to `eksharden harden`.
    #[arg(long, value_name = "URL", value_parser = endpoint_url)]
    pub kube_endpoint: Option<String>,
}

/// Arguments of `delete`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["cluster", "file"]))]
pub struct DeleteArgs {
    /// The cluster name (in the region of --region, AWS_REGION or the profile).
    #[arg(value_parser = cluster_name)]
    pub cluster: Option<String>,
    /// Take the cluster name and region from a spec file.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub yes: bool,
}

/// Arguments of `verify`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["cluster", "file", "all"]))]
pub struct VerifyArgs {
    /// The cluster name (in the region of --region, AWS_REGION or the profile).
    #[arg(value_parser = cluster_name)]
    pub cluster: Option<String>,
    /// Take the cluster, region, profile and ports from a spec file.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Count warnings (layers that could not be read) as findings.
    #[arg(long)]
    pub strict: bool,
    /// Also read the cluster API at the endpoint EKS reports (with an EKS token of the
    /// caller's identity): the NetworkPolicies and what enforces them.
    #[arg(long)]
    pub cluster_api: bool,
    /// Read the cluster API here instead (a tunnel to a private endpoint); implies --cluster-api.
    #[arg(long, value_name = "URL", value_parser = endpoint_url)]
    pub kube_endpoint: Option<String>,
    /// Every cluster of the regions of --regions (else of --region, AWS_REGION or the
    /// profile): one report with a row per cluster.
    #[arg(long, conflicts_with_all = ["cluster_api", "kube_endpoint"])]
    pub all: bool,
    /// With --all: these regions (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "REGION,...", value_parser = region, requires = "all")]
    pub regions: Vec<String>,
    /// With --all: how many clusters are read at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64), requires = "all")]
    pub concurrency: u16,
    /// With --all: these accounts (comma-separated ids), each read as the role of --role-name
    /// assumed in it; without it, the caller's own account.
    #[arg(long, value_delimiter = ',', value_name = "ACCOUNT,...", value_parser = account_id, requires_all = ["all", "role_name"])]
    pub accounts: Vec<String>,
    /// With --all: every active account of the caller's AWS Organization (listed from its
    /// management account or a delegated administrator), each read as --role-name.
    #[arg(long, conflicts_with = "accounts", requires_all = ["all", "role_name"])]
    pub organization: bool,
    /// With --accounts or --organization: the role to assume in each account (its name, the
    /// same in each).
    #[arg(long, value_name = "NAME", value_parser = role_name, requires = "all")]
    pub role_name: Option<String>,
    /// With --role-name: the external id the roles' trust asks for.
    #[arg(long, value_name = "ID", requires = "role_name")]
    pub external_id: Option<String>,
}

/// `--accounts`: an AWS account id, twelve digits.
fn account_id(text: &str) -> Result<String, String> {
    if text.len() == 12 && text.chars().all(|c| c.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err(format!("`{text}` is not an AWS account id (twelve digits)"))
    }
}

/// `--role-name`: an IAM role name (letters, digits and `+=,.@_-`, at most 64).
fn role_name(text: &str) -> Result<String, String> {
    let valid = !text.is_empty()
        && text.len() <= 64
        && text.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if valid {
        Ok(text.to_owned())
    } else {
        Err(format!("`{text}` is not an IAM role name (1 to 64 letters, digits and +=,.@_-)"))
    }
}

/// Arguments of `graph`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["cluster", "file"]))]
pub struct GraphArgs {
    /// The deployed cluster (in the region of --region, AWS_REGION or the profile), read back
    /// and verified: the rules a finding rests on are marked.
    #[arg(value_parser = cluster_name)]
    pub cluster: Option<String>,
    /// What a spec would make, with no AWS call.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// How to draw it.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
}

/// How `graph` draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
    /// SVG, laid out without Graphviz.
    Svg,
}

/// Output formats of a verification report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A table for people, grouped by finding and flow.
    Table,
    /// The whole report, every verdict hop by hop, as JSON.
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// JUnit XML, for CI test reports.
    Junit,
    /// One self-contained HTML page: findings, the picture, the flows by role pair, settings.
    Html,
}

/// Arguments of `token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The cluster the token is for.
    #[arg(long, value_parser = cluster_name)]
    pub cluster: String,
    /// Act as this IAM role: the token carries the role's identity (assumed with the
    /// caller's credentials).
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
}

/// Arguments of `harden`.
#[derive(Debug, Args)]
pub struct HardenArgs {
    /// The cluster name (in the region of --region, AWS_REGION or the profile).
    #[arg(value_parser = cluster_name)]
    pub cluster: String,
    /// Make the planned changes (asks first unless --yes); without it nothing changes.
    #[arg(long)]
    pub apply: bool,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub yes: bool,
    /// Only these steps (comma-separated; the ids come from the table of steps).
    #[arg(long, value_delimiter = ',', value_name = "STEP,...", value_parser = step_ids())]
    pub only: Vec<StepId>,
    /// Keep the public endpoint, limited to this block (repeat); otherwise public access goes off.
    #[arg(long = "public-cidr", value_name = "CIDR", value_parser = public_cidr)]
    pub public_cidrs: Vec<Cidr>,
    /// Map this IAM role to the admin group (repeat).
    #[arg(long = "admin-role", value_name = "ARN", value_parser = role_arn)]
    pub admin_roles: Vec<Arn>,
    /// Map this IAM role to the viewer group (repeat).
    #[arg(long = "viewer-role", value_name = "ARN", value_parser = role_arn)]
    pub viewer_roles: Vec<Arn>,
    /// Reach the cluster API here instead of the cluster's endpoint (a tunnel to a private
    /// endpoint, through the bastion, for example).
    #[arg(long, value_name = "URL", value_parser = endpoint_url)]
    pub kube_endpoint: Option<String>,
    /// Also replace the managed node groups that only a replacement can fix (an SSH key,
    /// public addresses, IMDSv1): a new group in private subnets, then the old one drained.
    #[arg(long)]
    pub replace_node_groups: bool,
    /// Encrypt secrets with this KMS key (otherwise the cluster's own, made on first use).
    #[arg(long, value_name = "ARN", value_parser = kms_key_arn)]
    pub kms_key: Option<Arn>,
    /// The ports node subnets admit only from the bastion, 22 among them (STACKROX-EKS:
    /// "sensitive ports like ssh").
    #[arg(long, value_name = "PORT", value_delimiter = ',', default_values_t = GUARDED_PORTS, value_parser = guarded_port)]
    pub guard_ports: Vec<u16>,
    /// Close down the cluster security group EKS made: 443, 10250 and DNS within the group
    /// instead of all traffic (STACKROX-EKS); refused if a flow the cluster needs would break.
    #[arg(long)]
    pub close_cluster_security_group: bool,
    /// How to print the plan and the outcome (`--format` works too, as for `verify`); `html`
    /// writes the plan as one self-contained page.
    #[arg(long, visible_alias = "format", value_enum, default_value_t = HardenFormat::Text)]
    pub output: HardenFormat,
}

/// `--region`: an AWS region name, nothing else (it becomes part of host names).
fn region(text: &str) -> Result<String, String> {
    if eksharden_spec::values::is_region(text) {
        Ok(text.to_owned())
    } else {
        Err("not an AWS region name; write one like eu-west-1 or us-east-2".to_owned())
    }
}

/// The ids of the hardening steps, each to its step: help and completions list them.
fn step_ids() -> impl clap::builder::TypedValueParser<Value = StepId> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(StepId::all().map(StepId::id))
        .map(|id: String| StepId::parse(&id).expect("a listed step id"))
}

/// A block the public endpoint may be reached from: never the whole internet.
fn public_cidr(text: &str) -> Result<Cidr, String> {
    let cidr: Cidr = text.parse()?;
    if cidr.is_anywhere() {
        return Err("that is the whole internet: name the blocks the operators come from".into());
    }
    Ok(cidr)
}

/// An IAM role's ARN.
fn role_arn(text: &str) -> Result<Arn, String> {
    let arn: Arn = text.parse()?;
    match text.split(':').nth(5) {
        Some(resource) if text.split(':').nth(2) == Some("iam") && resource.starts_with("role/") => Ok(arn),
        _ => Err("not an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)".into()),
    }
}

/// A port to guard: 1 to 65535.
fn guarded_port(text: &str) -> Result<u16, String> {
    match text.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err("not a port (1 to 65535)".into()),
    }
}

/// A KMS key's ARN.
fn kms_key_arn(text: &str) -> Result<Arn, String> {
    let arn: Arn = text.parse()?;
    match text.split(':').nth(5) {
        Some(resource) if text.split(':').nth(2) == Some("kms") && resource.starts_with("key/") => Ok(arn),
        _ => Err("not a KMS key ARN (arn:PARTITION:kms:REGION:ACCOUNT:key/ID)".into()),
    }
}

/// A cluster name as EKS accepts it.
fn cluster_name(text: &str) -> Result<String, String> {
    if eksharden_spec::values::is_eks_cluster_name(text) {
        Ok(text.to_owned())
    } else {
        Err("not an EKS cluster name: 1 to 100 letters, digits, `-` and `_`, starting with a letter or digit"
            .to_owned())
    }
}

/// An `http` or `https` URL with a host.
fn endpoint_url(text: &str) -> Result<String, String> {
    match url::Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(text.to_owned()),
        Ok(_) => Err("not an http or https URL with a host".to_owned()),
        Err(error) => Err(format!("not a URL: {error}")),
    }
}
