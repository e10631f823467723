//! Who runs eksharden: the IAM role or user behind the caller's credentials, as EKS maps it.

use crate::client::Aws;
use crate::error::{aws_error, AwsError};

/// The caller's IAM principal: the role of an assumed-role session (with its path, read from
/// IAM), or the IAM user. The account's root user is refused: EKS maps no root.
pub async fn caller_principal(aws: &Aws) -> Result<String, AwsError> {
    let identity = aws.sts.get_caller_identity().send().await.map_err(aws_error("STS.GetCallerIdentity"))?;
    let arn = identity.arn().unwrap_or_default();
    if let Some(role) = assumed_role_name(arn) {
        let role = aws.iam.get_role().role_name(role).send().await.map_err(aws_error("IAM.GetRole"))?;
        return role
            .role()
            .map(|r| r.arn().to_owned())
            .ok_or_else(|| AwsError::local("IAM.GetRole", "the answer names no role"));
    }
    if arn.contains(":user/") {
        return Ok(arn.to_owned());
    }
    Err(AwsError::local(
        "STS.GetCallerIdentity",
        format!("the caller is {arn}, neither an IAM role nor a user: EKS cannot map it as an admin"),
    ))
}

/// The role's name in an assumed-role session ARN (`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`).
fn assumed_role_name(arn: &str) -> Option<&str> {
    arn.split_once(":assumed-role/")?.1.split('/').next().filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::assumed_role_name;

    #[test]
    fn reads_the_role_of_an_assumed_role_session() {
        assert_eq!(
            assumed_role_name("arn:aws:sts::111122223333:assumed-role/platform-admin/alice"),
            Some("platform-admin")
        );
        assert_eq!(assumed_role_name("arn:aws:iam::111122223333:user/alice"), None);
        assert_eq!(assumed_role_name("arn:aws:sts::111122223333:assumed-role//x"), None);
    }
}
