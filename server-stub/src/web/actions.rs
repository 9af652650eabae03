//! The dashboard's administrative forms. Each checks its CSRF token and the caller's role through
//! [`Admin::check`] and calls the one `admin` function the API and the command line call too, which
//! writes the audit entry.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::page::{CsrfForm, page_error};
use crate::admin::{self, Action, Admin, Proof, RiskEntry};
use crate::http::PageCaller;
use crate::state::Shared;

#[derive(Deserialize)]
pub(super) struct RiskForm {
    csrf: String,
    #[serde(default)]
    finding_key: String,
    owner: String,
    mitigation: String,
    review_date: String,
}

/// `POST /hosts/{host_id}/risks`: records (or replaces) an accepted risk.
pub(super) async fn save_risk(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Path(host_id): Path<String>,
    Form(form): Form<RiskForm>,
) -> Response {
    let entry = RiskEntry {
        finding_key: &form.finding_key,
        owner: &form.owner,
        mitigation: &form.mitigation,
        review_date: &form.review_date,
    };
    let saved = match Admin::check(&caller, Proof::Form(&form.csrf), Action::ChangeRiskRegister) {
        Ok(admin) => admin::save_risk(&state, &admin, &host_id, entry).await,
        Err(refused) => Err(refused),
    };
    match saved {
        Ok(()) => Redirect::to(&format!("/hosts/{host_id}")).into_response(),
        Err(e) => page_error(e.into()),
    }
}

#[derive(Deserialize)]
pub(super) struct DeleteRiskForm {
    csrf: String,
    #[serde(default)]
    finding_key: String,
}

/// `POST /hosts/{host_id}/risks/delete`: removes a risk record.
pub(super) async fn delete_risk(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Path(host_id): Path<String>,
    Form(form): Form<DeleteRiskForm>,
) -> Response {
    let deleted = match Admin::check(&caller, Proof::Form(&form.csrf), Action::ChangeRiskRegister) {
        Ok(admin) => admin::delete_risk(&state, &admin, &host_id, &form.finding_key).await,
        Err(refused) => Err(refused),
    };
    match deleted {
        Ok(()) => Redirect::to(&format!("/hosts/{host_id}")).into_response(),
        Err(e) => page_error(e.into()),
    }
}

#[derive(Deserialize)]
pub(super) struct DismissClonesForm {
    csrf: String,
    reason: String,
}

/// `POST /hosts/{host_id}/clones/dismiss`: dismisses the host's clone flags after review.
pub(super) async fn dismiss_clones(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Path(host_id): Path<String>,
    Form(form): Form<DismissClonesForm>,
) -> Response {
    let dismissed = match Admin::check(&caller, Proof::Form(&form.csrf), Action::ReviewClones) {
        Ok(admin) => admin::dismiss_clone_flags(&state, &admin, &host_id, &form.reason).await,
        Err(refused) => Err(refused),
    };
    match dismissed {
        Ok(_) => Redirect::to(&format!("/hosts/{host_id}")).into_response(),
        Err(e) => page_error(e.into()),
    }
}

/// `POST /admin/catalog/reload`: reloads the catalogue and re-judges every host.
pub(super) async fn reload_catalog(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Form(form): Form<CsrfForm>,
) -> Response {
    let reloaded = match Admin::check(&caller, Proof::Form(&form.csrf), Action::ReloadCatalog) {
        Ok(admin) => admin::reload_catalog(&state, &admin).await,
        Err(refused) => Err(refused),
    };
    match reloaded {
        Ok(_) => Redirect::to("/").into_response(),
        Err(e) => page_error(e.into()),
    }
}
