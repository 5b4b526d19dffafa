//! A loan's steps on its page: approval, payout, repayment with its printable receipt, and reversal with a reason.

use super::*;

/// After a step: back to the loan's page, or the page again with what went wrong.
pub(crate) async fn after_step(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    place: &domain::PlacePath,
    outcome: Result<(), StoreError>,
) -> PageResult {
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/loans/{id}")).into_response()),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict(_) | StoreError::Rejected { .. })) => {
            let loan = state.store.loan(id).await.map_err(|e| viewer.internal(e))?;
            loan_refused(state, viewer, &loan, place, crate::pages::store_problem(viewer.lang, &e)).await
        }
        Err(e) => Err(viewer.internal(e)),
    }
}

pub(crate) async fn approve(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let (_, place) = loan_step(&state, &viewer, id, Action::Approve).await?;
    let outcome = app::funds::loans::approve(&state.store, state.clock.as_ref(), &viewer.actor(), id).await.map(|_| ());
    after_step(&state, &viewer, id, &place, outcome).await
}

#[derive(Deserialize)]
pub(crate) struct DatedForm {
    #[serde(default)]
    pub(crate) on: String,
    #[serde(default)]
    pub(crate) key: String,
    #[serde(default)]
    pub(crate) amount: String,
    #[serde(default)]
    pub(crate) seq: String,
    #[serde(default)]
    pub(crate) reason: String,
}

pub(crate) fn day_of(state: &AppState, lang: crate::i18n::Lang, text: &str) -> Result<IsoDate, StoreError> {
    match text.trim() {
        "" => Ok(crate::today(state)),
        text => domain::JalaliDate::parse(text)
            .map(|d| d.to_iso())
            .map_err(|e| StoreError::Invalid(crate::pages::date_problem(lang, &e))),
    }
}

pub(crate) async fn disburse(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<DatedForm>,
) -> PageResult {
    let (_, place) = loan_step(&state, &viewer, id, Action::Operate).await?;
    let outcome = match day_of(&state, viewer.lang, &form.on) {
        Ok(on) => {
            app::funds::loans::disburse(&state.store, state.clock.as_ref(), &viewer.actor(), id, on, &form.key).await
        }
        Err(e) => Err(e),
    };
    let outcome = match outcome {
        Ok(_) => Ok(()),
        Err(e) => Err(e),
    };
    after_step(&state, &viewer, id, &place, outcome).await
}

pub(crate) async fn repay(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<DatedForm>,
) -> PageResult {
    let (_, place) = loan_step(&state, &viewer, id, Action::Operate).await?;
    let typed = day_of(&state, viewer.lang, &form.on)
        .and_then(|on| Ok((on, viewer.parse_amount(&form.amount).map_err(StoreError::Invalid)?)));
    let outcome = match typed {
        Ok((on, amount)) => {
            app::funds::loans::repay(
                &state.store,
                state.clock.as_ref(),
                &viewer.actor(),
                id,
                Some(amount),
                on,
                &form.key,
            )
            .await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(repayment) => Ok(Redirect::to(&format!("/loans/{id}/receipts/{}", repayment.seq.0)).into_response()),
        Err(e) => after_step(&state, &viewer, id, &place, Err(e)).await,
    }
}

pub(crate) async fn reverse(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<DatedForm>,
) -> PageResult {
    let (_, place) = loan_step(&state, &viewer, id, Action::Operate).await?;
    let typed = (|| {
        if form.reason.trim().is_empty() {
            return Err(StoreError::Invalid(viewer.lang.t("reason_needed").into()));
        }
        let seq = form.seq.trim().parse::<i64>().map_err(|_| StoreError::Invalid("which repayment?".into()))?;
        Ok((seq, day_of(&state, viewer.lang, &form.on)?))
    })();
    let outcome = match typed {
        Ok((seq, on)) => app::funds::loans::reverse_repayment(
            &state.store,
            state.clock.as_ref(),
            &viewer.actor(),
            id,
            EntrySeq(seq),
            &form.reason,
            on,
            &form.key,
        )
        .await
        .map(|_| ()),
        Err(e) => Err(e),
    };
    after_step(&state, &viewer, id, &place, outcome).await
}

/// A payment receipt, laid out for an A5 page.
pub(crate) async fn receipt(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, seq)): Path<(i64, i64)>,
) -> PageResult {
    let (loan, _) = loan_step(&state, &viewer, id, Action::Read).await?;
    let lang = viewer.lang;
    let record = state
        .store
        .loan_repayments(id)
        .await
        .map_err(|e| viewer.internal(e))?
        .into_iter()
        .find(|r| r.seq.0 == seq)
        .ok_or(PageError::NotFound(lang))?;
    let fund = state.store.fund(loan.fund_id).await.map_err(|e| viewer.internal(e))?;
    let member = state.store.member(loan.member_id).await.map_err(|e| viewer.internal(e))?;
    let left: i64 =
        state.store.installments(id).await.map_err(|e| viewer.internal(e))?.iter().map(|i| i.outstanding().get()).sum();
    let body = html! {
        article.receipt {
            h1 { (lang.t("receipt")) }
            @if record.reversed_by.is_some() { p.notice.error { (lang.t("reversed")) } }
            p { (Text(&fund.name)) }
            table {
                tbody {
                    tr { th { (lang.t("member")) } td { (Text(&member.first_name)) " " (Text(&member.last_name)) } }
                    tr { th { (lang.t("payment_date")) } td { (lang.date(record.on)) } }
                    tr { th { (lang.t("amount")) } td { (viewer.money(record.amount)) } }
                    tr { th { (lang.t("balance")) } td { (viewer.money(Rials::new(left))) } }
                    tr { th { (lang.t("receipt_number")) } td { (lang.number(seq)) } }
                }
            }
            div.actions.no-print {
                button type="button" data-print { (lang.t("print")) }
                " "
                a href={ "/loans/" (id) } { (lang.t("loan")) }
            }
        }
    };
    Ok(components::layout(lang, Some(&viewer.user), lang.t("receipt"), body).into_response())
}
