//! The state of a thing before and after a change, as its audit record keeps it: a JSON object's
//! text, written here so that every door (page, API, command line) records the same shape.

use domain::IsoDate;
use std::fmt::Write;

/// A record's fields in order, kept as the text of a JSON object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    fields: String,
}

impl Snapshot {
    pub fn new() -> Snapshot {
        Snapshot::default()
    }

    fn key(mut self, name: &str) -> Snapshot {
        if !self.fields.is_empty() {
            self.fields.push(',');
        }
        quote_into(&mut self.fields, name);
        self.fields.push(':');
        self
    }

    pub fn int(mut self, name: &str, value: i64) -> Snapshot {
        self = self.key(name);
        let _ = write!(self.fields, "{value}");
        self
    }

    pub fn opt_int(self, name: &str, value: Option<i64>) -> Snapshot {
        match value {
            Some(value) => self.int(name, value),
            None => self.null(name),
        }
    }

    /// A fixed-point number with `decimals` places (a rate in hundredths of a percent, say).
    pub fn decimal(mut self, name: &str, value: i64, decimals: u32) -> Snapshot {
        self = self.key(name);
        let scale = 10_i64.pow(decimals);
        let sign = if value < 0 { "-" } else { "" };
        let (whole, part) = (value.unsigned_abs() / scale.unsigned_abs(), value.unsigned_abs() % scale.unsigned_abs());
        if part == 0 {
            let _ = write!(self.fields, "{sign}{whole}");
        } else {
            let digits = format!("{part:0width$}", width = decimals as usize);
            let _ = write!(self.fields, "{sign}{whole}.{}", digits.trim_end_matches('0'));
        }
        self
    }

    pub fn bool(mut self, name: &str, value: bool) -> Snapshot {
        self = self.key(name);
        self.fields.push_str(if value { "true" } else { "false" });
        self
    }

    pub fn text(mut self, name: &str, value: &str) -> Snapshot {
        self = self.key(name);
        quote_into(&mut self.fields, value);
        self
    }

    pub fn opt_text(self, name: &str, value: Option<&str>) -> Snapshot {
        match value {
            Some(value) => self.text(name, value),
            None => self.null(name),
        }
    }

    /// A day as the API shows one: `{"jalali": "1403/05/12", "iso": "2024-08-02"}`.
    pub fn day(self, name: &str, day: IsoDate) -> Snapshot {
        let value = Snapshot::new().text("jalali", &day.to_jalali().to_string()).text("iso", &day.to_string());
        self.object(name, value)
    }

    pub fn opt_day(self, name: &str, day: Option<IsoDate>) -> Snapshot {
        match day {
            Some(day) => self.day(name, day),
            None => self.null(name),
        }
    }

    pub fn object(mut self, name: &str, value: Snapshot) -> Snapshot {
        self = self.key(name);
        let _ = write!(self.fields, "{value}");
        self
    }

    pub fn list(mut self, name: &str, values: impl IntoIterator<Item = Snapshot>) -> Snapshot {
        self = self.key(name);
        self.fields.push('[');
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.fields.push(',');
            }
            let _ = write!(self.fields, "{value}");
        }
        self.fields.push(']');
        self
    }

    pub fn ints(mut self, name: &str, values: impl IntoIterator<Item = i64>) -> Snapshot {
        self = self.key(name);
        let list: Vec<String> = values.into_iter().map(|v| v.to_string()).collect();
        let _ = write!(self.fields, "[{}]", list.join(","));
        self
    }

    pub fn null(mut self, name: &str) -> Snapshot {
        self = self.key(name);
        self.fields.push_str("null");
        self
    }
}

impl std::fmt::Display for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{{{}}}", self.fields)
    }
}

/// No state: the "before" of a thing just made.
pub const NOTHING: &str = "null";

fn quote_into(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_written_as_a_json_object() {
        let s = Snapshot::new()
            .int("id", 7)
            .text("name", "علی \"کوچک\"\n\\")
            .decimal("rate", 250, 2)
            .decimal("whole", 300, 2)
            .opt_int("none", None)
            .bool("active", true)
            .ints("ids", [1, 2])
            .list("lines", [Snapshot::new().int("n", 1)]);
        assert_eq!(
            s.to_string(),
            r#"{"id":7,"name":"علی \"کوچک\"\n\\","rate":2.5,"whole":3,"none":null,"active":true,"ids":[1,2],"lines":[{"n":1}]}"#
        );
        assert_eq!(Snapshot::new().to_string(), "{}");
        assert_eq!(Snapshot::new().text("c", "\u{1}").to_string(), r#"{"c":"\u0001"}"#);
    }
}
