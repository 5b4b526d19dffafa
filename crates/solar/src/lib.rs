//! Abadi's solar yield engine: how much a home plant should produce. Pure numerical Rust (f64: this is
//! physics, not money), no IO, no clock. The default chain follows pvlib's and PVWatts' definitions so
//! that results can be compared with anyone's; `tests/` hold pvlib's own numbers.

pub mod climate;
pub mod irradiance;
pub mod position;
pub mod pvwatts;
mod spa_tables;
pub mod weather;

pub use position::{Observer, SunPosition, sun_position};
pub use pvwatts::{CellTemperature, Estimate, KilowattHours, Kilowatts, PlantDesign, WeatherHour};
