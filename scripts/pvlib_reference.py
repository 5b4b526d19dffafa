"""Reference values from pvlib for the solar engine's tests (crates/solar/tests/reference/).
Run once with pvlib installed: python scripts/pvlib_reference.py. pvlib version is written in each file.
"""
import os
import numpy as np
import pandas as pd
import pvlib

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "solar", "tests", "reference")
PLACES = [
    ("qazvin", 36.27, 50.00, 1300.0),
    ("zahedan", 29.50, 60.86, 1385.0),
    ("tabriz", 38.08, 46.29, 1350.0),
    ("bandar_abbas", 27.18, 56.27, 10.0),
    ("equator", 0.0, 0.0, 0.0),
    ("north60", 60.0, 10.0, 0.0),
]

def sun_positions():
    times = pd.date_range("2025-01-01 00:00", "2025-12-31 23:00", freq="5h", tz="UTC")
    rows = []
    for name, lat, lon, alt in PLACES:
        sp = pvlib.solarposition.get_solarposition(times, lat, lon, altitude=alt, method="nrel_numpy")
        for t, r in sp.iterrows():
            rows.append((name, lat, lon, alt, int(t.timestamp()), r.apparent_zenith, r.zenith, r.azimuth, r.equation_of_time))
    df = pd.DataFrame(rows, columns=["place", "lat", "lon", "altitude", "unix", "apparent_zenith", "zenith", "azimuth", "equation_of_time"])
    path = os.path.join(OUT, "sun_positions.csv")
    with open(path, "w") as f:
        f.write(f"# pvlib {pvlib.__version__} get_solarposition(method='nrel_numpy'), pressure from altitude, 12 C, delta_t 67 s\n")
        df.to_csv(f, index=False, float_format="%.9f")
    print("written", path, len(df))

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    sun_positions()


def weather_year(name, lat, lon, alt, seed):
    """A year of hourly weather at a place: pvlib's clear sky (Ineichen, Linke turbidity from pvlib's
    SoDa climatology) dimmed by a seeded cloudiness, with seasonal and daily temperature and wind.
    Times are local (+03:30) and each row holds for the hour centred on its time."""
    rng = np.random.default_rng(seed)
    times = pd.date_range("2025-01-01 00:00", "2025-12-31 23:00", freq="1h", tz="+03:30")
    loc = pvlib.location.Location(lat, lon, altitude=alt)
    sp = loc.get_solarposition(times)
    cs = loc.get_clearsky(times, model="ineichen", solar_position=sp)
    days = np.arange(len(times)) // 24
    cloud_by_day = np.where(rng.random(366) < 0.25, rng.uniform(0.3, 0.8, 366), 1.0)
    k = cloud_by_day[days]
    doy = times.dayofyear.values
    hour = times.hour.values
    temp = 15 + 12 * np.sin(2 * np.pi * (doy - 110) / 365) + 6 * np.sin(2 * np.pi * (hour - 9) / 24)
    wind = 1 + 3 * rng.random(len(times))
    df = pd.DataFrame({"ghi": cs.ghi * k, "dni": cs.dni * k ** 1.5, "dhi": None, "temp_air": temp, "wind_speed": wind}, index=times)
    cosz = np.cos(np.radians(sp.apparent_zenith)).clip(lower=0)
    df["dhi"] = (df.ghi - df.dni * cosz).clip(lower=0)
    df.index.name = "time"
    path = os.path.join(OUT, f"weather_{name}.csv")
    out = df.copy()
    out.index = [t.isoformat() for t in df.index]
    out.index.name = "time"
    out.to_csv(path, float_format="%.4f")
    print("written", path)
    return loc, df, sp, cs


def clearsky_reference(name, loc, sp, cs):
    rows = cs.assign(apparent_zenith=sp.apparent_zenith)
    rows = rows[rows.apparent_zenith < 85].iloc[::13]
    am = pvlib.atmosphere.get_absolute_airmass(pvlib.atmosphere.get_relative_airmass(rows.apparent_zenith), pvlib.atmosphere.alt2pres(loc.altitude))
    lt = pvlib.clearsky.lookup_linke_turbidity(rows.index, loc.latitude, loc.longitude)
    dni_extra = pvlib.irradiance.get_extra_radiation(rows.index)
    path = os.path.join(OUT, f"clearsky_{name}.csv")
    with open(path, "w") as f:
        f.write(f"# pvlib {pvlib.__version__} Location.get_clearsky(model='ineichen') at {loc.latitude},{loc.longitude},{loc.altitude} m\n")
        pd.DataFrame({"unix": [int(t.timestamp()) for t in rows.index], "apparent_zenith": rows.apparent_zenith.values,
                      "airmass_absolute": am.values, "linke_turbidity": lt.values, "dni_extra": dni_extra.values,
                      "ghi": rows.ghi.values, "dni": rows.dni.values, "dhi": rows.dhi.values}).to_csv(f, index=False, float_format="%.9f")
    print("written", path)


ORIENTATIONS = [(0, 180), (15, 180), (30, 180), (45, 135), (30, 90), (30, 270), (60, 225), (90, 180)]


def chain(lat, lon, alt, df, sp, tilt, azimuth, kwp=5.0, dc_ac=1.2, temperature="sapm"):
    dni_extra = pvlib.irradiance.get_extra_radiation(df.index)
    am_rel = pvlib.atmosphere.get_relative_airmass(sp.apparent_zenith)
    poa = pvlib.irradiance.get_total_irradiance(tilt, azimuth, sp.apparent_zenith, sp.azimuth, df.dni, df.ghi, df.dhi,
                                                dni_extra=dni_extra, airmass=am_rel, albedo=0.2, model="perez")
    aoi = pvlib.irradiance.aoi(tilt, azimuth, sp.apparent_zenith, sp.azimuth)
    iam = pvlib.iam.physical(aoi, n=1.526, K=4.0, L=0.002)
    effective = poa.poa_direct * iam + poa.poa_diffuse
    if temperature == "faiman":
        cell = pvlib.temperature.faiman(poa.poa_global, df.temp_air, df.wind_speed)
    else:
        p = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["close_mount_glass_glass"]
        cell = pvlib.temperature.sapm_cell(poa.poa_global, df.temp_air, df.wind_speed, **p)
    pdc0 = kwp * 1000
    dc = pvlib.pvsystem.pvwatts_dc(effective, cell, pdc0, -0.0037)
    dc = dc * (1 - pvlib.pvsystem.pvwatts_losses() / 100)
    ac = pvlib.inverter.pvwatts(dc, pdc0 / dc_ac / 0.96, eta_inv_nom=0.96)
    return poa, ac.fillna(0)


def poa_and_energy(name, loc, df, sp):
    poa_rows, energy_rows = [], []
    for tilt, azimuth in ORIENTATIONS:
        poa, ac = chain(loc.latitude, loc.longitude, loc.altitude, df, sp, tilt, azimuth)
        sample = poa.assign(apparent_zenith=sp.apparent_zenith)
        sample = sample[sample.apparent_zenith < 85].iloc[::17]
        for t, r in sample.iterrows():
            poa_rows.append((tilt, azimuth, t.isoformat(), r.poa_global, r.poa_direct, r.poa_sky_diffuse, r.poa_ground_diffuse))
        monthly = ac.groupby(ac.index.month).sum() / 1000
        energy_rows.append((tilt, azimuth, ac.sum() / 1000, *monthly.values))
    path = os.path.join(OUT, f"poa_{name}.csv")
    with open(path, "w") as f:
        f.write(f"# pvlib {pvlib.__version__} get_total_irradiance(model='perez', albedo=0.2), weather_{name}.csv, sun at each row's time\n")
        pd.DataFrame(poa_rows, columns=["tilt", "azimuth", "time", "poa_global", "poa_direct", "poa_sky_diffuse", "poa_ground_diffuse"]).to_csv(f, index=False, float_format="%.6f")
    path = os.path.join(OUT, f"energy_{name}.csv")
    with open(path, "w") as f:
        f.write(f"# pvlib {pvlib.__version__}: 5 kWp, DC/AC 1.2, Perez, physical IAM on the beam, SAPM close-mount glass/glass, PVWatts DC -0.0037/C, PVWatts losses {pvlib.pvsystem.pvwatts_losses():.6f} %, PVWatts inverter 0.96; kWh\n")
        pd.DataFrame(energy_rows, columns=["tilt", "azimuth", "annual_kwh"] + [f"m{m}" for m in range(1, 13)]).to_csv(f, index=False, float_format="%.6f")
    print("written", path)


def models_reference(name, loc, df, sp):
    """Erbs on GHI alone, and the isotropic and Hay-Davies skies, on a sample of the year's hours."""
    sample = df.assign(zenith=sp.zenith, apparent_zenith=sp.apparent_zenith, azimuth=sp.azimuth)
    sample = sample[sample.apparent_zenith < 89].iloc[::11]
    erbs = pvlib.irradiance.erbs(sample.ghi, sample.zenith, sample.index)
    dni_extra = pvlib.irradiance.get_extra_radiation(sample.index)
    rows = []
    for t, r in sample.iterrows():
        rows.append((int(t.timestamp()), r.ghi, r.zenith, erbs.dni[t], erbs.dhi[t]))
    path = os.path.join(OUT, f"erbs_{name}.csv")
    with open(path, "w") as f:
        f.write(f"# pvlib {pvlib.__version__} irradiance.erbs(ghi, zenith (geometric), time), weather_{name}.csv\n")
        pd.DataFrame(rows, columns=["unix", "ghi", "zenith", "dni", "dhi"]).to_csv(f, index=False, float_format="%.9f")
    print("written", path)
    rows = []
    sample = sample[sample.apparent_zenith < 85]
    for model in ["isotropic", "haydavies"]:
        for tilt, azimuth in [(30, 180), (45, 135), (20, 270)]:
            poa = pvlib.irradiance.get_total_irradiance(tilt, azimuth, sample.apparent_zenith, sample.azimuth, sample.dni,
                                                        sample.ghi, sample.dhi, dni_extra=dni_extra[sample.index],
                                                        albedo=0.2, model=model)
            for t, g in poa.poa_global.items():
                rows.append((model, tilt, azimuth, int(t.timestamp()), g))
    path = os.path.join(OUT, f"poa_models_{name}.csv")
    with open(path, "w") as f:
        f.write(f"# pvlib {pvlib.__version__} get_total_irradiance(model=isotropic|haydavies, albedo=0.2), weather_{name}.csv\n")
        pd.DataFrame(rows, columns=["model", "tilt", "azimuth", "unix", "poa_global"]).to_csv(f, index=False, float_format="%.6f")
    print("written", path)


def temperature_models(name, loc, df, sp):
    """Cell temperature by SAPM (close-mount and open-rack glass/glass) and Faiman on a grid of
    irradiance, air temperature and wind; and a year of energy with Faiman in the chain."""
    rows = []
    for poa in [0, 200, 500, 800, 1000, 1200]:
        for temp_air in [-10, 0, 25, 45]:
            for wind in [0, 1, 3, 8]:
                close = pvlib.temperature.sapm_cell(poa, temp_air, wind, **pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["close_mount_glass_glass"])
                rack = pvlib.temperature.sapm_cell(poa, temp_air, wind, **pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_glass"])
                faiman = pvlib.temperature.faiman(poa, temp_air, wind)
                rows.append((poa, temp_air, wind, close, rack, faiman))
    path = os.path.join(OUT, "cell_temperature.csv")
    with open(path, "w") as f:
        f.write(f"# pvlib {pvlib.__version__} temperature.sapm_cell (close_mount_glass_glass, open_rack_glass_glass) and temperature.faiman (defaults)\n")
        pd.DataFrame(rows, columns=["poa", "temp_air", "wind", "sapm_close_mount", "sapm_open_rack", "faiman"]).to_csv(f, index=False, float_format="%.9f")
    print("written", path)
    _, ac = chain(loc.latitude, loc.longitude, loc.altitude, df, sp, 30, 180, temperature="faiman")
    monthly = ac.groupby(ac.index.month).sum() / 1000
    path = os.path.join(OUT, f"energy_faiman_{name}.csv")
    with open(path, "w") as f:
        f.write(f"# pvlib {pvlib.__version__}: as energy_{name}.csv with temperature.faiman (U0 25, U1 6.84); kWh\n")
        pd.DataFrame([(30, 180, ac.sum() / 1000, *monthly.values)], columns=["tilt", "azimuth", "annual_kwh"] + [f"m{m}" for m in range(1, 13)]).to_csv(f, index=False, float_format="%.6f")
    print("written", path)


def typical_year_energy():
    """The whole default chain on the built-in typical year for Qazvin (typical_qazvin.csv, written by
    `abadi solar weather --lat 36.27 --lon 50.0 --altitude 1300`): GHI alone, so Erbs first."""
    df = pd.read_csv(os.path.join(OUT, "typical_qazvin.csv"), comment="#", index_col=0)
    df.index = pd.DatetimeIndex(pd.to_datetime(df.index))
    lat, lon, alt = 36.27, 50.0, 1300.0
    sp = pvlib.solarposition.get_solarposition(df.index, lat, lon, altitude=alt, method="nrel_numpy")
    erbs = pvlib.irradiance.erbs(df.ghi, sp.zenith, df.index)
    df = df.assign(dni=erbs.dni, dhi=erbs.dhi)
    rows = []
    for tilt, azimuth in [(30, 180), (20, 160), (35, 220)]:
        _, ac = chain(lat, lon, alt, df, sp, tilt, azimuth)
        monthly = ac.groupby(ac.index.month).sum() / 1000
        rows.append((tilt, azimuth, ac.sum() / 1000, *monthly.values))
    path = os.path.join(OUT, "energy_typical_qazvin.csv")
    with open(path, "w") as f:
        f.write(f"# pvlib {pvlib.__version__}: the default chain as energy_qazvin.csv, on typical_qazvin.csv with Erbs (geometric zenith); kWh\n")
        pd.DataFrame(rows, columns=["tilt", "azimuth", "annual_kwh"] + [f"m{m}" for m in range(1, 13)]).to_csv(f, index=False, float_format="%.6f")
    print("written", path)


if __name__ == "__main__":
    typical_year_energy()
    for name, lat, lon, alt, seed in [("qazvin", 36.27, 50.00, 1300.0, 1), ("bandar_abbas", 27.18, 56.27, 10.0, 2)]:
        loc, df, sp, cs = weather_year(name, lat, lon, alt, seed)
        clearsky_reference(name, loc, sp, cs)
        poa_and_energy(name, loc, df, sp)
        if name == "qazvin":
            models_reference(name, loc, df, sp)
            temperature_models(name, loc, df, sp)
