//! Who may do what, where: roles, the scope each role is granted in, and the one rule that decides a
//! request. Pure: the shells pass in the user's grant and the target's place (and fund).

use crate::place::PlacePath;

/// A user's role (DOMAIN.md, "Who uses it").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The installation: users, places, backups; everything else too.
    Administrator,
    /// A place and everything under it: funds' health, rules, capital injections, approvals.
    Officer,
    /// One fund: its members, savings, loans, repayments, draws.
    Treasurer,
    /// Read-only, a place and everything under it, the audit trail included.
    Auditor,
    /// One bank's applicants (a later issue); nothing of the funds.
    BankLiaison,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("unknown role {0:?}: administrator, officer, treasurer, auditor or bank_liaison")]
    UnknownRole(String),
    #[error("a {role} is granted {needs}")]
    WrongScope { role: &'static str, needs: &'static str },
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Administrator, Role::Officer, Role::Treasurer, Role::Auditor, Role::BankLiaison];

    pub fn code(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Officer => "officer",
            Role::Treasurer => "treasurer",
            Role::Auditor => "auditor",
            Role::BankLiaison => "bank_liaison",
        }
    }

    pub fn parse(code: &str) -> Result<Role, AccessError> {
        let code = code.trim().to_ascii_lowercase().replace('-', "_");
        Role::ALL.into_iter().find(|r| r.code() == code).ok_or(AccessError::UnknownRole(code))
    }

    pub fn name_fa(self) -> &'static str {
        match self {
            Role::Administrator => "مدیر سامانه",
            Role::Officer => "کارشناس",
            Role::Treasurer => "مدیر صندوق",
            Role::Auditor => "حسابرس",
            Role::BankLiaison => "رابط بانک",
        }
    }
}

/// Where a role holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The whole installation (administrators).
    Installation,
    /// A place and everything under it (officers, auditors).
    Place(PlacePath),
    /// One fund, which lies at a place (treasurers).
    Fund { fund_id: i64, place: PlacePath },
    /// One bank (bank liaisons).
    Bank(i64),
}

/// A role in a scope: what a user was granted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub scope: Scope,
}

impl Grant {
    /// Checks that the scope is the kind the role takes.
    pub fn new(role: Role, scope: Scope) -> Result<Grant, AccessError> {
        let fits = matches!(
            (role, &scope),
            (Role::Administrator, Scope::Installation)
                | (Role::Officer | Role::Auditor, Scope::Place(_))
                | (Role::Treasurer, Scope::Fund { .. })
                | (Role::BankLiaison, Scope::Bank(_))
        );
        if fits {
            return Ok(Grant { role, scope });
        }
        let needs = match role {
            Role::Administrator => "the whole installation (no place, no fund)",
            Role::Officer | Role::Auditor => "a place (--place ID)",
            Role::Treasurer => "one fund (--fund ID)",
            Role::BankLiaison => "one bank",
        };
        Err(AccessError::WrongScope { role: role.code(), needs })
    }
}

/// What a request wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read a fund's records and figures.
    Read,
    /// A treasurer's work on a fund: members, savings, loan requests, disbursements, repayments, draws.
    Operate,
    /// Approve a loan or write one off: the fund's treasurer, or an officer above it.
    Approve,
    /// An officer's work: a fund's rules, capital injections, opening a fund.
    Oversee,
    /// Users and places.
    Administer,
}

/// What a request is about: a place, and the fund there if it is about one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target<'a> {
    pub place: &'a PlacePath,
    pub fund_id: Option<i64>,
}

/// The one rule: may the holder of `grant` do `action` on `target`? A refusal is answered as "not
/// found" by the shells, so nothing outside a user's scope is even hinted at.
pub fn allows(grant: &Grant, action: Action, target: Target<'_>) -> bool {
    let within = match &grant.scope {
        Scope::Installation => true,
        Scope::Place(place) => place.contains(target.place),
        Scope::Fund { fund_id, .. } => target.fund_id == Some(*fund_id),
        Scope::Bank(_) => false,
    };
    if !within {
        return false;
    }
    match (grant.role, action) {
        (Role::Administrator, _) => true,
        (Role::Officer, Action::Read | Action::Approve | Action::Oversee) => true,
        (Role::Officer, Action::Operate | Action::Administer) => false,
        (Role::Treasurer, Action::Read | Action::Operate | Action::Approve) => true,
        (Role::Treasurer, Action::Oversee | Action::Administer) => false,
        (Role::Auditor, Action::Read) => true,
        (Role::Auditor, _) => false,
        (Role::BankLiaison, _) => false,
    }
}

/// May the holder see a place at all (to list what lies under it)? True when the place is within the
/// grant's scope or above it on the way down to it.
/// The place a user oversees — lists users of, reports on: everywhere (`Some(None)`) for an
/// administrator, their place for an officer or an auditor; `None` (nothing) for anyone else.
pub fn overseen_place(grant: &Grant) -> Option<Option<PlacePath>> {
    match (grant.role, &grant.scope) {
        (Role::Administrator, _) => Some(None),
        (Role::Officer | Role::Auditor, Scope::Place(place)) => Some(Some(place.clone())),
        _ => None,
    }
}

/// Over which place a user may list the users (see `overseen_place`).
pub fn users_listed_by(grant: &Grant) -> Option<Option<PlacePath>> {
    overseen_place(grant)
}

/// Whether a user's grant lies within a place (everything lies within `None`). A grant's place is
/// its scope's (the fund's village for a treasurer); an installation-wide grant lies only within
/// `None`, a bank's within no place.
pub fn grant_within(grant: &Grant, under: Option<&PlacePath>) -> bool {
    match (under, &grant.scope) {
        (None, _) => true,
        (Some(under), Scope::Place(place) | Scope::Fund { place, .. }) => under.contains(place),
        (Some(_), Scope::Installation | Scope::Bank(_)) => false,
    }
}

/// The roles a user may grant: an administrator any, an officer treasurers and auditors (never a
/// role above their own), anyone else none.
pub fn grantable_roles(grant: &Grant) -> &'static [Role] {
    match grant.role {
        Role::Administrator => &[Role::Treasurer, Role::Officer, Role::Auditor, Role::BankLiaison, Role::Administrator],
        Role::Officer => &[Role::Treasurer, Role::Auditor],
        _ => &[],
    }
}

/// May `grant` give `role` over `target` (the place, or the fund's village, the new user will
/// cover; `None` for a role without a place)? The role must be grantable, a role of a place needs
/// its place, and an officer grants only within their own place.
pub fn may_grant(grant: &Grant, role: Role, target: Option<&PlacePath>) -> bool {
    if !grantable_roles(grant).contains(&role) {
        return false;
    }
    if matches!(role, Role::Officer | Role::Auditor | Role::Treasurer) && target.is_none() {
        return false;
    }
    match (users_listed_by(grant), target) {
        (Some(None), _) => true,
        (Some(Some(own)), Some(target)) => own.contains(target),
        _ => false,
    }
}

pub fn sees_place(grant: &Grant, place: &PlacePath) -> bool {
    match &grant.scope {
        Scope::Installation => true,
        Scope::Place(scope) => scope.contains(place) || place.contains(scope),
        Scope::Fund { place: fund_place, .. } => place.contains(fund_place),
        Scope::Bank(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(ids: &[i64]) -> PlacePath {
        let mut p = PlacePath::root(ids[0]);
        for id in &ids[1..] {
            p = p.child(*id);
        }
        p
    }

    #[test]
    fn an_officer_grants_treasurers_and_auditors_within_their_place_only() {
        let officer = Grant::new(Role::Officer, Scope::Place(path(&[1, 2]))).unwrap();
        assert!(may_grant(&officer, Role::Treasurer, Some(&path(&[1, 2, 3]))));
        assert!(may_grant(&officer, Role::Auditor, Some(&path(&[1, 2]))));
        assert!(!may_grant(&officer, Role::Treasurer, Some(&path(&[1, 4]))), "another county");
        assert!(!may_grant(&officer, Role::Officer, Some(&path(&[1, 2, 3]))), "not a role above theirs");
        assert!(!may_grant(&officer, Role::Treasurer, None), "a treasurer needs a fund");
        let admin = Grant::new(Role::Administrator, Scope::Installation).unwrap();
        assert!(may_grant(&admin, Role::Administrator, None) && may_grant(&admin, Role::Officer, Some(&path(&[9]))));
        let auditor = Grant::new(Role::Auditor, Scope::Place(path(&[1]))).unwrap();
        assert!(!may_grant(&auditor, Role::Auditor, Some(&path(&[1, 2]))));
    }

    #[test]
    fn each_role_takes_its_own_kind_of_scope() {
        assert!(Grant::new(Role::Administrator, Scope::Installation).is_ok());
        assert!(Grant::new(Role::Officer, Scope::Place(path(&[1, 2]))).is_ok());
        assert!(Grant::new(Role::Treasurer, Scope::Fund { fund_id: 7, place: path(&[1, 2, 3]) }).is_ok());
        assert!(matches!(
            Grant::new(Role::Treasurer, Scope::Place(path(&[1]))),
            Err(AccessError::WrongScope { role: "treasurer", .. })
        ));
        assert!(Grant::new(Role::Administrator, Scope::Place(path(&[1]))).is_err());
        assert_eq!(Role::parse(" Bank-Liaison "), Ok(Role::BankLiaison));
        assert!(Role::parse("king").is_err());
    }

    #[test]
    fn the_table_of_roles_and_actions() {
        let county = path(&[1, 2, 3]);
        let village = path(&[1, 2, 3, 4]);
        let other_village = path(&[1, 2, 9, 10]);
        let fund = Target { place: &village, fund_id: Some(40) };
        let other_fund = Target { place: &other_village, fund_id: Some(41) };
        let grants = [
            Grant::new(Role::Administrator, Scope::Installation).unwrap(),
            Grant::new(Role::Officer, Scope::Place(county.clone())).unwrap(),
            Grant::new(Role::Treasurer, Scope::Fund { fund_id: 40, place: village.clone() }).unwrap(),
            Grant::new(Role::Auditor, Scope::Place(county.clone())).unwrap(),
            Grant::new(Role::BankLiaison, Scope::Bank(1)).unwrap(),
        ];
        // Rows: the grants above; columns: Read, Operate, Approve, Oversee, Administer on fund 40.
        let expected = [
            [true, true, true, true, true],
            [true, false, true, true, false],
            [true, true, true, false, false],
            [true, false, false, false, false],
            [false, false, false, false, false],
        ];
        let actions = [Action::Read, Action::Operate, Action::Approve, Action::Oversee, Action::Administer];
        for (grant, row) in grants.iter().zip(expected) {
            for (action, allowed) in actions.iter().zip(row) {
                assert_eq!(allows(grant, *action, fund), allowed, "{:?} {action:?}", grant.role);
            }
            // Outside the county only the administrator reaches anything.
            let outside = actions.iter().any(|a| allows(grant, *a, other_fund));
            assert_eq!(outside, grant.role == Role::Administrator, "{:?}", grant.role);
        }
    }

    #[test]
    fn a_user_sees_the_way_down_to_their_scope_and_what_lies_under_it() {
        let officer = Grant::new(Role::Officer, Scope::Place(path(&[1, 2, 3]))).unwrap();
        assert!(sees_place(&officer, &path(&[1, 2])), "the province above");
        assert!(sees_place(&officer, &path(&[1, 2, 3, 4])), "a village below");
        assert!(!sees_place(&officer, &path(&[1, 2, 9])), "a sister county");
    }
}
