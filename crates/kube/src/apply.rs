//! Create or replace: the object as given, over whatever is there, retried when another
//! writer got in between (409 on a stale resourceVersion).

use std::fmt::Debug;
use std::future::Future;

use kube::api::{Api, PostParams};
use kube::Resource;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::KubeError;

/// How many times a write is tried against concurrent edits.
pub const ATTEMPTS: usize = 5;

/// Whether a write is made or only described.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Say what applying would do; write nothing.
    DryRun,
    /// Write.
    Apply,
}

/// What applying did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The object did not exist.
    Created,
    /// It existed and was different.
    Replaced,
    /// It was already as wanted.
    Unchanged,
}

/// Makes the object named `name` equal to `wanted` (as far as `same` compares), keeping
/// the server's metadata. In [`Mode::DryRun`], only says what it would do.
pub async fn apply<K>(
    api: &Api<K>,
    name: &str,
    wanted: &K,
    same: impl Fn(&K, &K) -> bool,
    mode: Mode,
) -> Result<Applied, KubeError>
where
    K: Resource + Clone + Debug + Serialize + DeserializeOwned,
{
    let (same, write) = (&same, mode == Mode::Apply);
    retrying(&format!("write {name}"), |_| async move {
        let existing = api.get_opt(name).await.map_err(|e| KubeError::new(format!("read {name}"), e))?;
        let written = match existing {
            None if !write => return Ok(Applied::Created),
            Some(current) if !write => {
                return Ok(if same(&current, wanted) { Applied::Unchanged } else { Applied::Replaced })
            }
            None => api.create(&PostParams::default(), wanted).await.map(|_| Applied::Created),
            Some(current) if same(&current, wanted) => return Ok(Applied::Unchanged),
            Some(current) => {
                let mut next = wanted.clone();
                next.meta_mut().resource_version = current.meta().resource_version.clone();
                api.replace(name, &PostParams::default(), &next).await.map(|_| Applied::Replaced)
            }
        };
        written.map_err(|e| KubeError::new(format!("write {name}"), e))
    })
    .await
}

/// Runs `attempt` (read, compute, write; it gets its number, from 1) again while its write
/// loses a race (409), at most [`ATTEMPTS`] times.
pub async fn retrying<T, F, Fut>(operation: &str, mut attempt: F) -> Result<T, KubeError>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Result<T, KubeError>>,
{
    for n in 1..=ATTEMPTS {
        match attempt(n).await {
            Err(error) if error.is_conflict() => continue,
            done => return done,
        }
    }
    Err(KubeError {
        operation: operation.to_owned(),
        status: Some(409),
        message: format!("still conflicting after {ATTEMPTS} attempts"),
    })
}
