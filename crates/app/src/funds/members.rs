//! Members: the membership form checked field by field, joining and leaving a fund.

use super::snapshots;
use crate::kernel::access;
use crate::kernel::snapshot::NOTHING;
use crate::{Actor, Audited, Clock, command};
use domain::IsoDate;
use domain::access::Action;
use store::{Member, NewMember, Store, StoreResult};

/// A membership form as a person typed it (any digits, a Jalali date).
#[derive(Clone, Copy, Debug, Default)]
pub struct MemberInput<'a> {
    pub national_id: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub father_name: &'a str,
    pub phone: &'a str,
    pub joined_on: &'a str,
}

/// A wrong field of a form, with its reason in English and in Persian.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub en: String,
    pub fa: String,
}

impl FieldProblem {
    pub fn new(field: &'static str, en: impl Into<String>, fa: impl Into<String>) -> FieldProblem {
        FieldProblem { field, en: en.into(), fa: fa.into() }
    }

    /// The reason in Persian (`persian`) or English.
    pub fn message(&self, persian: bool) -> &str {
        if persian { &self.fa } else { &self.en }
    }
}

/// Checks every field of a membership form at once: the member to add, or each wrong field with its
/// reason in both languages. The one check the pages and the API share.
pub fn new_member(input: &MemberInput<'_>, place_id: i64) -> Result<NewMember, Vec<FieldProblem>> {
    let mut wrong = Vec::new();
    let national_id = domain::NationalId::parse(input.national_id)
        .map_err(|e| wrong.push(FieldProblem::new("national_id", e.to_string(), e.message_fa())))
        .ok();
    for (field, value) in [("first_name", input.first_name), ("last_name", input.last_name)] {
        // Invisible characters alone (zero-width spaces, a BOM) are no name.
        if domain::text::normalize_text(value).is_empty() {
            wrong.push(FieldProblem::new(field, "required", "این خانه را پر کنید"));
        }
    }
    for (field, value) in
        [("first_name", input.first_name), ("last_name", input.last_name), ("father_name", input.father_name)]
    {
        if value.chars().count() > domain::text::NAME_CHARS_MAX {
            let max = domain::text::NAME_CHARS_MAX;
            wrong.push(FieldProblem::new(
                field,
                format!("at most {max} characters"),
                format!("حداکثر {} نویسه", domain::text::to_persian_digits(&max.to_string())),
            ));
        }
    }
    let phone = match input.phone.trim() {
        "" => None,
        text => domain::PhoneNumber::parse(text)
            .map_err(|e| wrong.push(FieldProblem::new("phone", e.to_string(), e.message_fa())))
            .ok(),
    };
    let joined_on = domain::JalaliDate::parse(input.joined_on)
        .map_err(|e| wrong.push(FieldProblem::new("joined_on", e.to_string(), e.message_fa())))
        .ok();
    match (national_id, joined_on) {
        (Some(national_id), Some(joined_on)) if wrong.is_empty() => Ok(NewMember {
            national_id,
            first_name: input.first_name.trim().to_string(),
            last_name: input.last_name.trim().to_string(),
            father_name: input.father_name.trim().to_string(),
            phone,
            place_id,
            joined_on: joined_on.to_iso(),
        }),
        _ => Err(wrong),
    }
}

/// Adds a member to a fund: the form checked beforehand with [`new_member`].
pub async fn join(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    fund_id: i64,
    new: &NewMember,
) -> StoreResult<Member> {
    command(store, clock, actor, "member.join", async |tx| {
        let place = access::fund_in(tx, actor, Action::Operate, fund_id).await?;
        let member = tx.add_member(fund_id, new).await?;
        let audited = Audited::new(format!("member:{}", member.id), &place, NOTHING, snapshots::member(&member));
        Ok((member, Some(audited)))
    })
    .await
}

/// A member leaves the fund on `on`: their savings are settled out (refused while a loan is open or
/// they guarantee one). The same key again changes nothing.
pub async fn leave(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    member_id: i64,
    on: IsoDate,
    key: &str,
) -> StoreResult<Member> {
    command(store, clock, actor, "member.leave", async |tx| {
        let (before, place) = access::member_in(tx, actor, Action::Operate, member_id).await?;
        let member = tx.leave_fund(member_id, on, key, clock.now_ms()).await?;
        let audited = (member != before).then(|| {
            Audited::new(format!("member:{member_id}"), &place, snapshots::member(&before), snapshots::member(&member))
        });
        Ok((member, audited))
    })
    .await
}
