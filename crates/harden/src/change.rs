//! A change as data: what a step would do, shown before it is done.
//!
//! Each step declares its own change types (in its module) and how to make them, by
//! implementing [`Alteration`]; a [`Change`] carries any of them, so the plan, the what-if,
//! the ownership notes and the report handle every step's changes alike.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use eksharden_discovery::Discovery;
use eksharden_net::model::Model;
use eksharden_net::topology::Topology;
use serde::{Serialize, Serializer};

use crate::error::HardenError;
use crate::{Options, Target};

/// One kind of change a step plans: shown in words (`Display`), reported as data
/// (`Serialize`, with [`Alteration::KIND`] as its `kind`), and made by [`Alteration::make`].
#[async_trait]
pub trait Alteration: fmt::Display + fmt::Debug + PartialEq + Serialize + Send + Sync + 'static {
    /// Its `kind` in the JSON report (camelCase).
    const KIND: &'static str;

    /// Makes the change. Returns what it met on the way that a user should know (a race with
    /// another run, and what became of it).
    async fn make(&self, target: &Target<'_>, options: &Options) -> Result<Vec<String>, HardenError>;

    /// Why `--apply` with these options does not make the change, if it does not.
    fn not_applied(&self, _options: &Options) -> Option<&'static str> {
        None
    }

    /// The resource it touches, as discovery keys its owners (the cluster's name, a node
    /// group's name, a security group's or subnet's id), if a stack may own it.
    fn touches<'a>(&'a self, _cluster: &'a str) -> Option<&'a str> {
        None
    }

    /// The eksctl ClusterConfig field that asks eksctl for what the change makes, for a
    /// cluster eksctl made.
    fn cluster_config_field(&self, _found: &Discovery) -> Option<&'static str> {
        None
    }

    /// The model and roles with the change made, if it is one that can break a flow (the
    /// what-if). `moving` names the node groups this run replaces into other subnets.
    fn on_model(&self, _found: &Discovery, _moving: &[&str]) -> Option<(Model, Topology)> {
        None
    }

    /// The managed node group it replaces, if it replaces one.
    fn replaces(&self) -> Option<&str> {
        None
    }
}

/// An [`Alteration`] of any type, behind one object type.
trait AnyAlteration: fmt::Display + fmt::Debug + Send + Sync {
    fn as_any(&self) -> &dyn Any;
    fn same(&self, other: &dyn AnyAlteration) -> bool;
    fn kind(&self) -> &'static str;
    fn fields(&self) -> serde_json::Result<serde_json::Value>;
    fn make<'a>(&'a self, target: &'a Target<'a>, options: &'a Options) -> Making<'a>;
    fn not_applied(&self, options: &Options) -> Option<&'static str>;
    fn touches<'a>(&'a self, cluster: &'a str) -> Option<&'a str>;
    fn cluster_config_field(&self, found: &Discovery) -> Option<&'static str>;
    fn on_model(&self, found: &Discovery, moving: &[&str]) -> Option<(Model, Topology)>;
    fn replaces(&self) -> Option<&str>;
}

/// A change being made.
type Making<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<String>, HardenError>> + Send + 'a>>;

impl<T: Alteration> AnyAlteration for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn same(&self, other: &dyn AnyAlteration) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }
    fn kind(&self) -> &'static str {
        T::KIND
    }
    fn fields(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }
    fn make<'a>(&'a self, target: &'a Target<'a>, options: &'a Options) -> Making<'a> {
        Alteration::make(self, target, options)
    }
    fn not_applied(&self, options: &Options) -> Option<&'static str> {
        Alteration::not_applied(self, options)
    }
    fn touches<'a>(&'a self, cluster: &'a str) -> Option<&'a str> {
        Alteration::touches(self, cluster)
    }
    fn cluster_config_field(&self, found: &Discovery) -> Option<&'static str> {
        Alteration::cluster_config_field(self, found)
    }
    fn on_model(&self, found: &Discovery, moving: &[&str]) -> Option<(Model, Topology)> {
        Alteration::on_model(self, found, moving)
    }
    fn replaces(&self) -> Option<&str> {
        Alteration::replaces(self)
    }
}

/// One change a step plans, of whichever step's type.
#[derive(Clone)]
pub struct Change(Arc<dyn AnyAlteration>);

impl Change {
    /// Wraps a step's change.
    pub fn new(change: impl Alteration) -> Self {
        Self(Arc::new(change))
    }

    /// The change as its own type, if it is one.
    pub fn downcast_ref<T: Alteration>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref()
    }

    /// Makes the change (see [`Alteration::make`]).
    pub async fn make(&self, target: &Target<'_>, options: &Options) -> Result<Vec<String>, HardenError> {
        self.0.make(target, options).await
    }

    /// Why `--apply` with these options does not make the change, if it does not.
    pub fn not_applied(&self, options: &Options) -> Option<&'static str> {
        self.0.not_applied(options)
    }

    /// See [`Alteration::touches`].
    pub fn touches<'a>(&'a self, cluster: &'a str) -> Option<&'a str> {
        self.0.touches(cluster)
    }

    /// See [`Alteration::cluster_config_field`].
    pub fn cluster_config_field(&self, found: &Discovery) -> Option<&'static str> {
        self.0.cluster_config_field(found)
    }

    /// See [`Alteration::on_model`].
    pub fn on_model(&self, found: &Discovery, moving: &[&str]) -> Option<(Model, Topology)> {
        self.0.on_model(found, moving)
    }

    /// See [`Alteration::replaces`].
    pub fn replaces(&self) -> Option<&str> {
        self.0.replaces()
    }
}

impl<T: Alteration> From<T> for Change {
    fn from(change: T) -> Self {
        Self::new(change)
    }
}

impl PartialEq for Change {
    fn eq(&self, other: &Self) -> bool {
        self.0.same(&*other.0)
    }
}

impl Eq for Change {}

impl fmt::Debug for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

/// `{"kind": "<kind>", <its fields>}`.
impl Serialize for Change {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut object = serde_json::Map::new();
        object.insert("kind".to_owned(), self.0.kind().into());
        match self.0.fields().map_err(serde::ser::Error::custom)? {
            serde_json::Value::Object(fields) => object.extend(fields),
            serde_json::Value::Null => {}
            other => return Err(serde::ser::Error::custom(format!("a change's fields are an object, not {other}"))),
        }
        object.serialize(serializer)
    }
}
