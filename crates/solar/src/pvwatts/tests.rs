//! The tests of the module above.

#![allow(clippy::unwrap_used)]

use super::*;

mod estimate_tests {
    use super::*;

    #[test]
    fn pvwatts_losses_default_to_14_08_percent() {
        assert!((Losses::default().total_percent() - 14.075_660_688_264_469).abs() < 1e-9);
    }

    #[test]
    fn civil_dates_round_trip() {
        for days in [-1000, 0, 18_000, 20_089, 60_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(20_089), (2025, 1, 1));
        assert_eq!(day_of_year_utc(1_735_689_600 + 86_400 * 40), 41);
        assert_eq!(jalali_month_of(2025, 3, 21), 1);
        assert_eq!(jalali_month_of(2025, 3, 20), 12);
        assert_eq!(jalali_month_of(2025, 9, 23), 7);
        assert_eq!(jalali_month_of(2025, 12, 21), 9);
        assert_eq!(jalali_month_of(2025, 12, 22), 10);
    }

    #[test]
    fn the_inverter_never_exceeds_its_rating_and_gives_nothing_at_night() {
        assert_eq!(pvwatts_inverter(0.0, 5000.0, 0.96), 0.0);
        assert!((pvwatts_inverter(9000.0, 5000.0, 0.96) - 4800.0).abs() < 1e-9);
        assert!(pvwatts_inverter(2500.0, 5000.0, 0.96) < 2500.0);
    }

    #[test]
    fn power_times_hours_is_energy() {
        let e = Kilowatts(5.0).over_hours(3.0);
        assert_eq!(e, KilowattHours(15.0));
    }
}

mod input_tests {
    use super::*;

    #[test]
    fn impossible_plants_and_places_are_refused_precisely() {
        assert_eq!(observer(91.0, 50.0, 0.0), Err(InputError::Latitude(91.0)));
        assert_eq!(observer(36.0, 181.0, 0.0), Err(InputError::Longitude(181.0)));
        assert_eq!(PlantDesign::checked(5.0, 95.0, 180.0, 14.0, 1.2), Err(InputError::Tilt(95.0)));
        assert_eq!(PlantDesign::checked(-5.0, 30.0, 180.0, 14.0, 1.2), Err(InputError::Capacity(-5.0)));
        assert_eq!(PlantDesign::checked(5.0, 30.0, 180.0, 120.0, 1.2), Err(InputError::Losses(120.0)));
        assert!(InputError::Tilt(95.0).message_fa().contains("۹۵"));
        assert!(PlantDesign::checked(5.0, 30.0, 180.0, 14.08, 1.2).is_ok());
    }
}
