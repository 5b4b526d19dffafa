//! Places: country → province → county → district → rural district → village.

use std::fmt;

/// The level of a place in the tree. A child lies at a deeper level than its parent; levels may be
/// skipped (a village listed straight under a county, a deprived urban fringe under a county).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlaceKind {
    Country,
    Province,
    County,
    District,
    RuralDistrict,
    Village,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaceError {
    #[error("unknown place kind {0:?}")]
    UnknownKind(String),
    #[error("a {child} cannot lie under a {parent}")]
    WrongParent { child: &'static str, parent: &'static str },
    #[error("only a country stands at the top of the tree; a {0} needs a parent")]
    NeedsParent(&'static str),
}

impl PlaceKind {
    pub const ALL: [PlaceKind; 6] = [
        PlaceKind::Country,
        PlaceKind::Province,
        PlaceKind::County,
        PlaceKind::District,
        PlaceKind::RuralDistrict,
        PlaceKind::Village,
    ];

    /// The stable code stored in the database and used in the API.
    pub fn code(self) -> &'static str {
        match self {
            PlaceKind::Country => "country",
            PlaceKind::Province => "province",
            PlaceKind::County => "county",
            PlaceKind::District => "district",
            PlaceKind::RuralDistrict => "rural_district",
            PlaceKind::Village => "village",
        }
    }

    pub fn parse(code: &str) -> Result<PlaceKind, PlaceError> {
        PlaceKind::ALL.into_iter().find(|k| k.code() == code).ok_or_else(|| PlaceError::UnknownKind(code.to_string()))
    }

    pub fn name_fa(self) -> &'static str {
        match self {
            PlaceKind::Country => "کشور",
            PlaceKind::Province => "استان",
            PlaceKind::County => "شهرستان",
            PlaceKind::District => "بخش",
            PlaceKind::RuralDistrict => "دهستان",
            PlaceKind::Village => "روستا",
        }
    }

    /// Checks that a place of this kind may stand under `parent` (or at the root when `None`).
    pub fn check_parent(self, parent: Option<PlaceKind>) -> Result<(), PlaceError> {
        match (self, parent) {
            (PlaceKind::Country, None) => Ok(()),
            (child, None) => Err(PlaceError::NeedsParent(child.code())),
            (child, Some(parent)) if child > parent => Ok(()),
            (child, Some(parent)) => Err(PlaceError::WrongParent { child: child.code(), parent: parent.code() }),
        }
    }
}

impl fmt::Display for PlaceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A materialised path of place ids from the root, such as `/1/4/17/`: everything under a place is
/// the set of paths that start with its own, so a roll-up never walks the tree.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PlacePath(String);

impl PlacePath {
    pub fn root(id: i64) -> PlacePath {
        PlacePath(format!("/{id}/"))
    }
    pub fn child(&self, id: i64) -> PlacePath {
        PlacePath(format!("{}{id}/", self.0))
    }
    pub fn from_stored(text: String) -> PlacePath {
        PlacePath(text)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn contains(&self, other: &PlacePath) -> bool {
        other.0.starts_with(&self.0)
    }
    /// The place's own id: the path's last step (none for the root path "/").
    pub fn last_id(&self) -> Option<i64> {
        self.0.trim_end_matches('/').rsplit('/').next().and_then(|s| s.parse().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_ends_with_its_own_place() {
        assert_eq!(PlacePath::root(1).child(2).child(30).last_id(), Some(30));
        assert_eq!(PlacePath::from_stored("/".into()).last_id(), None);
    }

    #[test]
    fn parents() {
        assert!(PlaceKind::Village.check_parent(Some(PlaceKind::RuralDistrict)).is_ok());
        assert!(PlaceKind::Village.check_parent(Some(PlaceKind::County)).is_ok());
        assert!(PlaceKind::Country.check_parent(None).is_ok());
        assert!(PlaceKind::County.check_parent(Some(PlaceKind::Village)).is_err());
        assert!(PlaceKind::County.check_parent(Some(PlaceKind::County)).is_err());
        assert!(PlaceKind::Province.check_parent(None).is_err());
        for kind in PlaceKind::ALL {
            assert_eq!(PlaceKind::parse(kind.code()), Ok(kind));
        }
    }

    #[test]
    fn paths() {
        let province = PlacePath::root(1).child(4);
        let village = province.child(17);
        assert_eq!(village.as_str(), "/1/4/17/");
        assert!(province.contains(&village));
        assert!(!village.contains(&province));
        assert!(!PlacePath::root(1).child(41).contains(&village));
    }
}
