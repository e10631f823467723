//! Test harnesses of eksharden: the pinned Python tools (cfn-lint, the moto AWS emulator
//! with eksharden's plugin) in a virtual environment the harness installs itself, a
//! fault-injecting proxy, a test Kubernetes API server that authenticates like EKS, clusters
//! in the shapes other tools give them, a headless Chromium driven over the DevTools protocol,
//! and helpers to run the CLI in-process or as a process.
//!
//! Nothing here reaches the internet at test time except the package index, once, to
//! install the pinned tools; every AWS call goes to a local emulator.

pub mod browser;
pub mod cli;
pub mod eksctl_stacks;
pub mod fault_proxy;
pub mod kube_server;
pub mod moto;
pub mod python;
pub mod schemas;
pub mod shapes;
