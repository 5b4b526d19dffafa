//! The one door for a change: who acts ([`Actor`]), and [`command`], which runs a change and its audit
//! record in one database transaction. Pages, the API and the `abadi` command all come through here,
//! so a change and its audit record are both committed, or neither is.

use crate::Clock;
use domain::PlacePath;
use domain::access::{Grant, Role, Scope};
use store::{AuditRecord, Store, StoreError, StoreTx};

/// Who makes a change: a signed-in user (from an address), or the system (the close of day).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: String,
    /// The name the actor signs with (a loan's approver, a job's visitor): the display name, or else
    /// the username.
    pub name: String,
    /// Where the request came from (an IP address; empty on the command line).
    pub address: String,
    pub grant: Grant,
}

impl Actor {
    /// A signed-in user acting from `address`.
    pub fn user(user: &store::User, address: &str) -> Actor {
        Actor {
            user_id: Some(user.id),
            username: user.username.clone(),
            name: if user.display_name.is_empty() { user.username.clone() } else { user.display_name.clone() },
            address: address.to_string(),
            grant: user.grant.clone(),
        }
    }

    /// The system itself: the close of day, and the `abadi` command run by whoever runs the server.
    pub fn system() -> Actor {
        Actor {
            user_id: None,
            username: "system".into(),
            name: "system".into(),
            address: String::new(),
            grant: Grant { role: Role::Administrator, scope: Scope::Installation },
        }
    }

    /// The command line: the operator of the installation, named by the machine's user if known.
    pub fn operator(name: &str) -> Actor {
        let name = if name.is_empty() { "operator".to_string() } else { name.to_string() };
        Actor { username: name.clone(), name, ..Actor::system() }
    }

    /// The audit record of a change this actor made now.
    pub fn record(&self, clock: &dyn Clock, action: &str, change: &Audited) -> AuditRecord {
        AuditRecord {
            at_ms: clock.now_ms(),
            user_id: self.user_id,
            username: self.username.clone(),
            address: self.address.clone(),
            action: action.to_string(),
            object_ref: change.object_ref.clone(),
            place_path: change.place.as_str().to_string(),
            before_state: change.before.clone(),
            after_state: change.after.clone(),
        }
    }
}

/// What a change did, for its audit record: what it was done to, where, and the state before and
/// after (as the door describes them: JSON text from the web and the command line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audited {
    pub object_ref: String,
    pub place: PlacePath,
    pub before: String,
    pub after: String,
}

impl Audited {
    pub fn new(
        object_ref: impl Into<String>,
        place: &PlacePath,
        before: impl ToString,
        after: impl ToString,
    ) -> Audited {
        Audited {
            object_ref: object_ref.into(),
            place: place.clone(),
            before: before.to_string(),
            after: after.to_string(),
        }
    }
}

/// Runs one change: begins the transaction, lets `change` read and write through it, writes the audit
/// record it describes (`None`: nothing changed, as when the same sheet comes again, and nothing is
/// audited), and commits. An error anywhere rolls everything back, the audit record with it.
pub async fn command<T, E>(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    action: &str,
    change: impl AsyncFnOnce(&mut StoreTx) -> Result<(T, Option<Audited>), E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    let mut tx = store.begin().await?;
    let (value, audited) = change(&mut tx).await?;
    if let Some(audited) = audited {
        tx.audit(&actor.record(clock, action, &audited)).await?;
    }
    tx.commit().await?;
    Ok(value)
}
