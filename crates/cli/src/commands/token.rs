//! `eksharden token`: the EKS bearer token as an ExecCredential on stdout, for kubectl's
//! exec plugin (the kubeconfig entry `create` writes calls it). The token goes to stdout
//! only, which kubectl reads; nothing of it is ever written to stderr.

use eksharden_aws::token;

use super::aws::{block_on, connect, report_aws_error};
use crate::args::{Global, TokenArgs};
use crate::exit::Exit;
use crate::output::Output;

/// Runs `token`.
pub fn run(args: &TokenArgs, global: &Global, out: &mut Output) -> Exit {
    block_on(async {
        let aws = match connect(global, None, out).await {
            Ok(aws) => aws,
            Err(exit) => return exit,
        };
        match token::token(&aws, &args.cluster, args.role_arn.as_deref()).await {
            Ok(token) => {
                let _ = writeln!(out.stdout, "{}", token::exec_credential(&token));
                Exit::Ok
            }
            Err(error) => {
                report_aws_error(out, "cannot make a token: ", &error);
                Exit::Infrastructure
            }
        }
    })
}
