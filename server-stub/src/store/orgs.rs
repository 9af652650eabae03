//! Organisations: the tree sites hang from and users are granted roles on (migration 5), each
//! change audited in its own transaction.
//!
//! An organisation is named by people three ways — its id, its ODS code, or its name (unique among
//! its siblings, so possibly ambiguous across the tree) — and [`find_org`] takes any of them,
//! always inside a [`Scope`]: what lies outside reads exactly as what does not exist.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Any, Executor, FromRow};
use uuid::Uuid;

use super::audit::audit_on;
use super::selection::{ROOT_ORG_ID, Scope};
use super::{Result, ts};
use crate::db::{Db, WriteTx};
use crate::org::{BadOdsCode, OdsCode, OrgKind};
use crate::org_import::{self, Change, Existing, ImportSummary, Parsed, RowError};

/// An organisation as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, FromRow)]
pub struct Organisation {
    /// Id (a UUID; the root's is [`ROOT_ORG_ID`]).
    pub id: String,
    /// The organisation above it; `None` for the root alone.
    pub parent_id: Option<String>,
    /// Name, unique among its siblings.
    pub name: String,
    /// Kind.
    #[sqlx(try_from = "super::ByName<OrgKind>")]
    pub kind: OrgKind,
    /// ODS code, upper case, unique when set.
    pub ods_code: Option<String>,
    /// When added.
    pub created_at: String,
    /// Its path (ids from the root down): private to the store, which alone makes scopes.
    #[serde(skip)]
    path: String,
}

impl Organisation {
    /// Its subtree.
    pub fn scope(&self) -> Scope {
        Scope::of(self.id.clone(), self.path.clone())
    }

    /// How people refer to it: the name, with the ODS code when it has one.
    pub fn label(&self) -> String {
        match &self.ods_code {
            Some(code) => format!("{} [{code}]", self.name),
            None => self.name.clone(),
        }
    }
}

const ORG_COLUMNS: &str = "o.id, o.parent_id, o.name, o.kind, o.ods_code, o.created_at, o.path";

/// Why an organisation could not be found, added or used.
#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    /// Nothing by that name, code or id (or nothing the caller may see).
    #[error("no organisation {0:?} (give its name, ODS code or id)")]
    NotFound(String),
    /// Several organisations in different places share the name.
    #[error("{count} organisations are named {name:?}: give its ODS code or id")]
    Ambiguous {
        /// The name.
        name: String,
        /// How many.
        count: usize,
    },
    /// The name is empty, too long or not one line.
    #[error("an organisation name must be 1 to 200 characters on one line")]
    BadName,
    /// Not an ODS code.
    #[error(transparent)]
    BadOds(#[from] BadOdsCode),
    /// `estate` is the root's kind alone.
    #[error("the kind \"estate\" is the root's alone")]
    RootKind,
    /// Another organisation has the ODS code.
    #[error("ODS code {code} is already {holder:?}'s")]
    OdsTaken {
        /// The code.
        code: String,
        /// Who has it.
        holder: String,
    },
    /// A sibling has the name.
    #[error("{parent:?} already has an organisation named {name:?}")]
    NameTaken {
        /// The parent's name.
        parent: String,
        /// The name.
        name: String,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The organisation `reference` (its id, ODS code or name) inside `within`: an id or ODS code
/// first, then a name, which must be unique inside `within`.
pub(super) async fn find_on<'c, E>(
    exec: E,
    within: &Scope,
    reference: &str,
) -> Result<std::result::Result<Organisation, OrgError>>
where
    E: Executor<'c, Database = Any>,
{
    let reference = reference.trim();
    let candidates: Vec<Organisation> = sqlx::query_as(&format!(
        "SELECT {ORG_COLUMNS} FROM organisations o WHERE o.path LIKE $1 \
         AND (o.id = $2 OR o.ods_code = $3 OR o.name = $2) ORDER BY o.path LIMIT 100"
    ))
    .bind(within.path_pattern())
    .bind(reference.to_string())
    .bind(reference.to_ascii_uppercase())
    .fetch_all(exec)
    .await?;
    let code = reference.to_ascii_uppercase();
    if let Some(found) = candidates.iter().find(|o| o.id == reference).or_else(|| {
        candidates
            .iter()
            .find(|o| o.ods_code.as_ref() == Some(&code))
    }) {
        return Ok(Ok(found.clone()));
    }
    let named: Vec<&Organisation> = candidates.iter().filter(|o| o.name == reference).collect();
    Ok(match named.as_slice() {
        [] => Err(OrgError::NotFound(reference.to_string())),
        [one] => Ok((*one).clone()),
        many => Err(OrgError::Ambiguous {
            name: reference.to_string(),
            count: many.len(),
        }),
    })
}

/// The organisation `reference` names inside `within` (see [`find_on`]).
pub async fn find_org(
    db: &Db,
    within: &Scope,
    reference: &str,
) -> std::result::Result<Organisation, OrgError> {
    find_on(db.reader(), within, reference).await?
}

/// The organisation `reference` names anywhere in the tree (for the command line's operator), or
/// the root when there is no reference.
pub(super) async fn org_or_root(
    tx: &mut WriteTx<'_>,
    reference: Option<&str>,
) -> Result<std::result::Result<Organisation, OrgError>> {
    match reference {
        Some(reference) => find_on(&mut *tx, &Scope::estate(), reference).await,
        None => {
            let root = sqlx::query_as(&format!(
                "SELECT {ORG_COLUMNS} FROM organisations o WHERE o.id = $1"
            ))
            .bind(ROOT_ORG_ID)
            .fetch_one(&mut *tx)
            .await?;
            Ok(Ok(root))
        }
    }
}

/// A new organisation as given.
#[derive(Clone, Copy, Debug)]
pub struct NewOrg<'a> {
    /// Name.
    pub name: &'a str,
    /// Kind (not [`OrgKind::Estate`]).
    pub kind: OrgKind,
    /// The organisation above it (name, ODS code or id); `None`: directly under the root.
    pub parent: Option<&'a str>,
    /// ODS code.
    pub ods_code: Option<&'a OdsCode>,
}

/// Adds an organisation, with its audit entry (`org.add`) by `actor` in the same transaction.
pub async fn add_org(
    db: &Db,
    new: NewOrg<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> std::result::Result<Organisation, OrgError> {
    let name = crate::org::checked_name(new.name).ok_or(OrgError::BadName)?;
    if new.kind == OrgKind::Estate {
        return Err(OrgError::RootKind);
    }
    let id = Uuid::new_v4().to_string();
    db.write(async |tx| {
        let parent = match org_or_root(tx, new.parent).await? {
            Ok(parent) => parent,
            Err(e) => return Ok(Err(e)),
        };
        if let Some(code) = new.ods_code
            && let Some(holder) = sqlx::query_scalar::<_, String>(
                "SELECT name FROM organisations WHERE ods_code = $1",
            )
            .bind(code.as_str().to_string())
            .fetch_optional(&mut *tx)
            .await?
        {
            return Ok(Err(OrgError::OdsTaken {
                code: code.to_string(),
                holder,
            }));
        }
        if sibling_named(tx, &parent.id, name).await? {
            return Ok(Err(OrgError::NameTaken {
                parent: parent.name,
                name: name.to_string(),
            }));
        }
        let org = Organisation {
            id: id.clone(),
            parent_id: Some(parent.id.clone()),
            name: name.to_string(),
            kind: new.kind,
            ods_code: new.ods_code.map(ToString::to_string),
            created_at: ts(now),
            path: format!("{}{id}/", parent.path),
        };
        insert(tx, &org).await?;
        let detail = serde_json::json!({
            "org": org.name, "org_id": org.id, "kind": org.kind, "ods_code": org.ods_code,
            "parent": parent.name, "parent_id": parent.id,
        });
        audit_on(tx, actor, "org.add", &detail.to_string(), now).await?;
        Ok(Ok(org))
    })
    .await?
}

async fn sibling_named(tx: &mut WriteTx<'_>, parent_id: &str, name: &str) -> Result<bool> {
    let taken = sqlx::query("SELECT 1 AS x FROM organisations WHERE parent_id = $1 AND name = $2")
        .bind(parent_id.to_string())
        .bind(name.to_string())
        .fetch_optional(&mut *tx)
        .await?;
    Ok(taken.is_some())
}

async fn insert(tx: &mut WriteTx<'_>, org: &Organisation) -> Result<()> {
    sqlx::query(
        "INSERT INTO organisations (id, parent_id, name, kind, ods_code, path, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(org.id.clone())
    .bind(org.parent_id.clone())
    .bind(org.name.clone())
    .bind(org.kind.as_str())
    .bind(org.ods_code.clone())
    .bind(org.path.clone())
    .bind(org.created_at.clone())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// An organisation in the tree, with what hangs from it.
#[derive(Clone, Debug, Serialize)]
pub struct OrgNode {
    /// The organisation.
    pub org: Organisation,
    /// Its own sites (not those of the organisations below it).
    pub sites: i64,
    /// Hosts of its sites and of every site below it.
    pub hosts: i64,
    /// The organisations directly below it, by name.
    pub children: Vec<OrgNode>,
}

impl OrgNode {
    /// The node and every node below it, depth first, each with its depth (0 for this one).
    pub fn flatten(&self) -> Vec<(usize, &OrgNode)> {
        let mut out = Vec::new();
        let mut stack = vec![(0, self)];
        while let Some((depth, node)) = stack.pop() {
            out.push((depth, node));
            stack.extend(node.children.iter().rev().map(|c| (depth + 1, c)));
        }
        out
    }
}

/// The tree of `scope`'s organisations, from its top down, with site and (rolled-up) host counts.
pub async fn org_tree(db: &Db, scope: &Scope) -> Result<OrgNode> {
    tree(db, scope, true).await
}

/// `scope`'s organisations from its top down, each with its depth below it, without counts (the
/// filter forms' choice).
pub async fn org_outline(db: &Db, scope: &Scope) -> Result<Vec<(usize, Organisation)>> {
    let top = tree(db, scope, false).await?;
    Ok(top
        .flatten()
        .into_iter()
        .map(|(depth, node)| (depth, node.org.clone()))
        .collect())
}

async fn tree(db: &Db, scope: &Scope, with_counts: bool) -> Result<OrgNode> {
    let orgs: Vec<Organisation> = sqlx::query_as(&format!(
        "SELECT {ORG_COLUMNS} FROM organisations o WHERE o.path LIKE $1 ORDER BY o.name, o.id"
    ))
    .bind(scope.path_pattern())
    .fetch_all(db.reader())
    .await?;
    if !with_counts {
        return assemble(scope, orgs, &HashMap::new());
    }
    let counts: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT s.org_id, COUNT(DISTINCT s.id) AS sites, COUNT(h.host_id) AS hosts \
         FROM sites s JOIN organisations o ON o.id = s.org_id LEFT JOIN hosts h ON h.site_id = s.id \
         WHERE o.path LIKE $1 GROUP BY s.org_id",
    )
    .bind(scope.path_pattern())
    .fetch_all(db.reader())
    .await?;
    let counts: HashMap<String, (i64, i64)> =
        counts.into_iter().map(|(id, s, h)| (id, (s, h))).collect();
    assemble(scope, orgs, &counts)
}

/// The tree under `scope`'s top from its organisations (each listed once, in name order).
fn assemble(
    scope: &Scope,
    orgs: Vec<Organisation>,
    counts: &HashMap<String, (i64, i64)>,
) -> Result<OrgNode> {
    let mut children: HashMap<Option<String>, Vec<Organisation>> = HashMap::new();
    let mut top = None;
    for org in orgs {
        if org.id == scope.org_id() {
            top = Some(org);
        } else {
            children.entry(org.parent_id.clone()).or_default().push(org);
        }
    }
    // The scope's own organisation is always stored (organisations are never deleted).
    let top = top.ok_or(sqlx::Error::RowNotFound)?;
    Ok(build(top, &mut children, counts))
}

fn build(
    org: Organisation,
    children: &mut HashMap<Option<String>, Vec<Organisation>>,
    counts: &HashMap<String, (i64, i64)>,
) -> OrgNode {
    let (sites, own_hosts) = counts.get(&org.id).copied().unwrap_or((0, 0));
    let below: Vec<OrgNode> = children
        .remove(&Some(org.id.clone()))
        .unwrap_or_default()
        .into_iter()
        .map(|child| build(child, children, counts))
        .collect();
    OrgNode {
        hosts: own_hosts + below.iter().map(|c| c.hosts).sum::<i64>(),
        org,
        sites,
        children: below,
    }
}

/// Imports a CSV file's organisations (read by `org_import::parse`) in one transaction, with its
/// audit entry (`org.import`): the rows are checked against the organisations as they are inside
/// the transaction, and when any row is bad nothing is written and every bad row is returned —
/// those the file reading found and those the check finds.
pub async fn import_orgs(
    db: &Db,
    parsed: &Parsed,
    file: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<std::result::Result<ImportSummary, Vec<RowError>>> {
    if !parsed.errors.is_empty() {
        // Nothing will be written: check the rows that read well all the same, to report every
        // problem in one run.
        let stored = stored_orgs(db.reader()).await?;
        let mut errors = parsed.errors.clone();
        if let Err(more) = org_import::plan(parsed, &existing(&stored)) {
            errors.extend(more);
        }
        errors.sort_by_key(|e| e.line);
        return Ok(Err(errors));
    }
    db.write(async |tx| {
        let stored = stored_orgs(&mut *tx).await?;
        let plan = match org_import::plan(parsed, &existing(&stored)) {
            Ok(plan) => plan,
            Err(errors) => return Ok(Err(errors)),
        };
        let paths = final_paths(&stored, &plan.changes);
        // Changes come parents first, so every parent a row names exists when it is written.
        for change in &plan.changes {
            apply(tx, change, &paths, now).await?;
        }
        // A moved organisation's subtree moves with it: every stored path that changed.
        for org in &stored {
            match paths.get(&org.id) {
                Some(path) if *path != org.path => {
                    sqlx::query("UPDATE organisations SET path = $1 WHERE id = $2")
                        .bind(path.clone())
                        .bind(org.id.clone())
                        .execute(&mut *tx)
                        .await?;
                }
                _ => {}
            }
        }
        let detail = serde_json::json!({
            "file": file, "added": plan.summary.added, "changed": plan.summary.changed,
            "moved": plan.summary.moved, "unchanged": plan.summary.unchanged,
        });
        audit_on(tx, actor, "org.import", &detail.to_string(), now).await?;
        Ok(Ok(plan.summary))
    })
    .await
}

/// Every organisation's path once `changes` are made (a plan has no cycles, so every walk up
/// reaches the root). Paths are unique by construction: each ends with its own id.
fn final_paths(stored: &[Organisation], changes: &[Change]) -> HashMap<String, String> {
    let mut parent: HashMap<&str, Option<&str>> = stored
        .iter()
        .map(|o| (o.id.as_str(), o.parent_id.as_deref()))
        .collect();
    for change in changes {
        let (Change::Add { id, parent_id, .. } | Change::Set { id, parent_id, .. }) = change;
        parent.insert(id, Some(parent_id));
    }
    let mut paths: HashMap<String, String> = HashMap::new();
    for &start in parent.keys() {
        // Up to the first organisation whose path is known (or the root), then back down.
        let mut chain = Vec::new();
        let mut at = Some(start);
        while let Some(id) = at {
            if paths.contains_key(id) || chain.len() > parent.len() {
                break;
            }
            chain.push(id);
            at = parent.get(id).copied().flatten();
        }
        let mut path = at
            .and_then(|id| paths.get(id))
            .cloned()
            .unwrap_or_else(|| "/".to_string());
        for id in chain.into_iter().rev() {
            path = format!("{path}{id}/");
            paths.insert(id.to_string(), path.clone());
        }
    }
    paths
}

async fn stored_orgs<'c, E>(exec: E) -> Result<Vec<Organisation>>
where
    E: Executor<'c, Database = Any>,
{
    sqlx::query_as(&format!("SELECT {ORG_COLUMNS} FROM organisations o"))
        .fetch_all(exec)
        .await
}

fn existing(stored: &[Organisation]) -> Vec<Existing> {
    stored
        .iter()
        .map(|o| Existing {
            id: o.id.clone(),
            parent_id: o.parent_id.clone(),
            name: o.name.clone(),
            kind: o.kind,
            ods_code: o.ods_code.clone(),
        })
        .collect()
}

/// One change of an import, its path as computed by [`final_paths`].
async fn apply(
    tx: &mut WriteTx<'_>,
    change: &Change,
    paths: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> Result<()> {
    match change {
        Change::Add {
            id,
            parent_id,
            name,
            kind,
            ods_code,
        } => {
            let org = Organisation {
                id: id.clone(),
                parent_id: Some(parent_id.clone()),
                name: name.clone(),
                kind: *kind,
                ods_code: Some(ods_code.to_string()),
                created_at: ts(now),
                path: paths.get(id).cloned().ok_or(sqlx::Error::RowNotFound)?,
            };
            insert(tx, &org).await
        }
        Change::Set {
            id,
            parent_id,
            name,
            kind,
        } => {
            sqlx::query(
                "UPDATE organisations SET parent_id = $1, name = $2, kind = $3 WHERE id = $4",
            )
            .bind(parent_id.clone())
            .bind(name.clone())
            .bind(kind.as_str())
            .bind(id.clone())
            .execute(&mut *tx)
            .await?;
            Ok(())
        }
    }
}
