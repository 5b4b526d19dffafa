"""pvlib on the same work as `abadi solar bench`: one 5 kWp plant over the Qazvin reference weather
(sun position, Perez plane of array, physical IAM, SAPM cell temperature, PVWatts DC, losses and
inverter), median of 5. Run: python scripts/pvlib_timing.py (needs pvlib)."""
import os, time, statistics
import pandas as pd
import pvlib

HERE = os.path.dirname(__file__)
path = os.path.join(HERE, "..", "crates", "solar", "tests", "reference", "weather_qazvin.csv")
df = pd.read_csv(path, index_col=0)
df.index = pd.DatetimeIndex(pd.to_datetime(df.index))

def one_plant(lat=36.27, lon=50.0, alt=1300.0, tilt=30, azimuth=180, kwp=5.0, dc_ac=1.2):
    sp = pvlib.solarposition.get_solarposition(df.index, lat, lon, altitude=alt, method="nrel_numpy")
    dni_extra = pvlib.irradiance.get_extra_radiation(df.index)
    am_rel = pvlib.atmosphere.get_relative_airmass(sp.apparent_zenith)
    poa = pvlib.irradiance.get_total_irradiance(tilt, azimuth, sp.apparent_zenith, sp.azimuth, df.dni, df.ghi, df.dhi,
                                                dni_extra=dni_extra, airmass=am_rel, albedo=0.2, model="perez")
    aoi = pvlib.irradiance.aoi(tilt, azimuth, sp.apparent_zenith, sp.azimuth)
    iam = pvlib.iam.physical(aoi, n=1.526, K=4.0, L=0.002)
    effective = poa.poa_direct * iam + poa.poa_diffuse
    p = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["close_mount_glass_glass"]
    cell = pvlib.temperature.sapm_cell(poa.poa_global, df.temp_air, df.wind_speed, **p)
    dc = pvlib.pvsystem.pvwatts_dc(effective, cell, kwp * 1000, -0.0037) * (1 - pvlib.pvsystem.pvwatts_losses() / 100)
    ac = pvlib.inverter.pvwatts(dc, kwp * 1000 / dc_ac / 0.96, eta_inv_nom=0.96)
    return ac.fillna(0).sum() / 1000

times = []
for _ in range(10):
    t = time.perf_counter(); kwh = one_plant(); times.append(time.perf_counter() - t)
print(f"pvlib {pvlib.__version__}, one plant, {len(df)} hours: {statistics.median(times)*1000:.1f} ms (median of 10; fastest {min(times)*1000:.1f} ms; {kwh:.1f} kWh)")
t = time.perf_counter()
for i in range(30):
    one_plant(lat=35.4 + i * 0.04, tilt=15 + i, azimuth=150 + 2 * i)
per = (time.perf_counter() - t) / 30
print(f"pvlib, 30 plants each at its own place: {per*1000:.1f} ms a plant; 3,000 plants would take about {per*3000:.0f} s")
