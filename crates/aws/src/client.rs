//! SDK configuration: the standard credential chain (profiles, SSO, environment), the
//! region, an endpoint override (`--endpoint-url` or `AWS_ENDPOINT_URL`) for emulators, and
//! retries tuned for CloudFormation's throttling.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;

use crate::error::AwsError;

/// Where and as whom to call AWS.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The region; the spec's region when absent.
    pub region: Option<String>,
    /// A named profile of the shared config files.
    pub profile: Option<String>,
    /// An endpoint for every service (an emulator such as moto or LocalStack).
    pub endpoint_url: Option<String>,
}

/// The AWS clients eksharden uses, for one region.
#[derive(Debug, Clone)]
pub struct Aws {
    /// CloudFormation.
    pub cloudformation: aws_sdk_cloudformation::Client,
    /// CloudTrail.
    pub cloudtrail: aws_sdk_cloudtrail::Client,
    /// CloudWatch Logs.
    pub logs: aws_sdk_cloudwatchlogs::Client,
    /// EC2.
    pub ec2: aws_sdk_ec2::Client,
    /// EKS.
    pub eks: aws_sdk_eks::Client,
    /// IAM.
    pub iam: aws_sdk_iam::Client,
    /// KMS.
    pub kms: aws_sdk_kms::Client,
    /// AWS Organizations (the accounts of `verify --all --organization`).
    pub organizations: aws_sdk_organizations::Client,
    /// STS.
    pub sts: aws_sdk_sts::Client,
    /// The region the clients talk to.
    pub region: String,
    /// Where credentials come from (for presigning EKS tokens).
    pub credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
}

/// How many attempts a throttled or failed call gets, and how long to wait between them.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(10)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(10))
}

impl Aws {
    /// Loads the configuration and builds the clients. The region is the settings' (from
    /// `--region` or `AWS_REGION`), else `spec_region` (a spec file's), else what the SDK's
    /// own chain finds (`AWS_DEFAULT_REGION`, the profile's `region`); an error when none does.
    pub async fn connect(settings: &Settings, spec_region: Option<&str>) -> Result<Self, AwsError> {
        Self::connect_with(settings, spec_region, None).await
    }

    /// The clients of [`Aws::connect`], signing with `credentials` (a role assumed in another
    /// account) instead of the standard chain's.
    pub async fn connect_as(settings: &Settings, credentials: Credentials) -> Result<Self, AwsError> {
        Self::connect_with(settings, None, Some(credentials)).await
    }

    async fn connect_with(
        settings: &Settings,
        spec_region: Option<&str>,
        credentials: Option<Credentials>,
    ) -> Result<Self, AwsError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry_config()).timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        );
        if let Some(region) = settings.region.as_deref().or(spec_region) {
            loader = loader.region(Region::new(region.to_owned()));
        }
        if let Some(profile) = &settings.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(endpoint) = &settings.endpoint_url {
            loader = loader.endpoint_url(endpoint);
        }
        if let Some(credentials) = credentials {
            loader = loader.credentials_provider(credentials);
        }
        let config = loader.load().await;
        let Some(region) = config.region().map(|r| r.as_ref().to_owned()) else {
            return Err(AwsError {
                code: Some(NO_REGION.to_owned()),
                ..AwsError::local("region", "no AWS region was given or found")
            });
        };
        Ok(Self {
            cloudformation: aws_sdk_cloudformation::Client::new(&config),
            cloudtrail: aws_sdk_cloudtrail::Client::new(&config),
            logs: aws_sdk_cloudwatchlogs::Client::new(&config),
            ec2: aws_sdk_ec2::Client::new(&config),
            eks: aws_sdk_eks::Client::new(&config),
            iam: aws_sdk_iam::Client::new(&config),
            kms: aws_sdk_kms::Client::new(&config),
            organizations: aws_sdk_organizations::Client::new(&config),
            sts: aws_sdk_sts::Client::new(&config),
            region,
            credentials: config.credentials_provider(),
        })
    }
}

/// The code of the error [`Aws::connect`] returns when no region is found.
pub const NO_REGION: &str = "NoRegion";
