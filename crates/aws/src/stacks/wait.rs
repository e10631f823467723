//! Waiting for a stack to settle, streaming its events as they come.
//!
//! The delay before each look is a fifth of the time spent waiting so far, at least `first`
//! (a second) and at most `max` (15 s): a stack's completion is noticed within a second for
//! short stacks and within a fifth of its duration (15 s at most) for long ones, not after
//! eksctl's 30-60 s, and a ten-minute stack costs about fifty looks.

use std::collections::HashSet;
use std::time::Duration;

use super::state::{describe, StackInfo};
use super::{FailedResource, StackFailure};
use crate::client::Aws;
use crate::error::{aws_error, AwsError};
use crate::progress::{Progress, StackEvent};

/// How often to look at a stack.
#[derive(Debug, Clone, Copy)]
pub struct Polling {
    /// The first delay.
    pub first: Duration,
    /// The longest delay.
    pub max: Duration,
}

impl Polling {
    /// The delay before the next look, after waiting `elapsed` so far.
    pub fn delay(&self, elapsed: Duration) -> Duration {
        elapsed.div_f64(5.0).clamp(self.first, self.max)
    }
}

impl Default for Polling {
    fn default() -> Self {
        Self { first: Duration::from_secs(1), max: Duration::from_secs(15) }
    }
}

/// Follows one stack's events.
pub(super) struct Watcher<'a, P: Progress + ?Sized = dyn Progress> {
    pub aws: &'a Aws,
    pub progress: &'a P,
    pub short_name: &'a str,
    pub polling: Polling,
    seen: HashSet<String>,
}

impl<'a, P: Progress + ?Sized> Watcher<'a, P> {
    pub fn new(aws: &'a Aws, progress: &'a P, short_name: &'a str, polling: Polling) -> Self {
        Self { aws, progress, short_name, polling, seen: HashSet::new() }
    }

    /// Marks the events that exist now as seen, so only what follows is reported.
    pub async fn skip_past_events(&mut self, stack_id: &str) -> Result<(), AwsError> {
        for (id, _) in self.events(stack_id).await? {
            self.seen.insert(id);
        }
        Ok(())
    }

    /// Waits until the stack with `stack_id` is settled; `None` once it is deleted.
    pub async fn wait(&mut self, stack_id: &str) -> Result<Option<StackInfo>, AwsError> {
        let started = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(self.polling.delay(started.elapsed())).await;
            let info = describe(self.aws, stack_id).await?;
            self.report_new_events(stack_id).await?;
            match info {
                Some(info) if !info.is_settled() => {}
                settled => return Ok(settled),
            }
        }
    }

    async fn report_new_events(&mut self, stack_id: &str) -> Result<(), AwsError> {
        let mut fresh: Vec<(String, StackEvent)> =
            self.events(stack_id).await?.into_iter().filter(|(id, _)| !self.seen.contains(id)).collect();
        fresh.reverse(); // oldest first
        for (id, event) in fresh {
            self.progress.event(self.short_name, &event);
            self.seen.insert(id);
        }
        Ok(())
    }

    /// The stack's events, newest first (the first page: CloudFormation keeps the newest there).
    async fn events(&self, stack_id: &str) -> Result<Vec<(String, StackEvent)>, AwsError> {
        let response = match self
            .aws
            .cloudformation
            .describe_stack_events()
            .stack_name(stack_id)
            .send()
            .await
            .map_err(aws_error("CloudFormation.DescribeStackEvents"))
        {
            Ok(response) => response,
            Err(error) if error.is_not_found() => return Ok(Vec::new()),
            Err(error) => return Err(error),
        };
        Ok(response
            .stack_events()
            .iter()
            .map(|e| {
                let event = StackEvent {
                    logical_id: e.logical_resource_id().unwrap_or_default().to_owned(),
                    resource_type: e.resource_type().unwrap_or_default().to_owned(),
                    status: e.resource_status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
                    reason: e.resource_status_reason().map(str::to_owned),
                };
                (e.event_id().unwrap_or_default().to_owned(), event)
            })
            .collect())
    }

    /// Explains a stack that ended badly: its first failed resource and what to do next.
    pub async fn failure(&self, stack_id: &str, status: &str) -> StackFailure {
        let events = self.events(stack_id).await.unwrap_or_default();
        // Newest first: the root cause is the oldest failure that is not a cancellation; a
        // failure with no resource behind it (a deletion blocked by something outside the
        // stack) is explained by the stack's own event.
        let failed =
            |e: &&StackEvent| e.status.ends_with("_FAILED") && !e.reason.as_deref().unwrap_or("").contains("cancelled");
        let resource = events
            .iter()
            .rev()
            .map(|(_, e)| e)
            .filter(failed)
            .find(|e| e.resource_type != "AWS::CloudFormation::Stack")
            .or_else(|| events.iter().map(|(_, e)| e).find(failed))
            .map(|e| FailedResource {
                logical_id: e.logical_id.clone(),
                resource_type: e.resource_type.clone(),
                status: e.status.clone(),
                reason: e.reason.clone().unwrap_or_default(),
            });
        StackFailure { stack: self.short_name.to_owned(), status: status.to_owned(), resource, advice: advice(status) }
    }
}

fn advice(status: &str) -> String {
    match status {
        "ROLLBACK_COMPLETE" => {
            "fix the cause and run `eksharden create` again: a stack in ROLLBACK_COMPLETE is deleted and created anew"
                .into()
        }
        "UPDATE_ROLLBACK_COMPLETE" => {
            "the stack is back at its previous template; fix the cause and run `eksharden create` again".into()
        }
        "DELETE_FAILED" => "remove what blocks the deletion (see the reason), then run `eksharden delete` again".into(),
        "UPDATE_ROLLBACK_FAILED" => {
            "continue the rollback in CloudFormation (ContinueUpdateRollback), then run `eksharden create` again".into()
        }
        _ => "look at the stack's events in CloudFormation, fix the cause, and run the command again".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_is_a_fifth_of_the_wait_within_bounds() {
        let polling = Polling::default();
        assert_eq!(polling.delay(Duration::ZERO), Duration::from_secs(1));
        assert_eq!(polling.delay(Duration::from_secs(20)), Duration::from_secs(4));
        assert_eq!(polling.delay(Duration::from_secs(600)), Duration::from_secs(15));
        let mut elapsed = Duration::ZERO;
        let mut looks = 0;
        while elapsed < Duration::from_secs(600) {
            elapsed += polling.delay(elapsed);
            looks += 1;
        }
        assert!(looks < 60, "a ten-minute stack takes {looks} looks");
    }
}
