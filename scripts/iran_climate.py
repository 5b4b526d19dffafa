"""The built-in typical year's data for Iran (crates/solar/data/), extracted from two public datasets
that ship on PyPI. Run once: python scripts/iran_climate.py (needs numpy, gsee-climate-data==1.0.0,
itur==0.4.0). See crates/solar/data/README.md for the sources, their licences and how the engine
uses them.

- iran_daily_ghi.csv: for each 3-degree MERRA-2 cell around Iran and each month, the daily mean global
  horizontal irradiance (W/m2) of a typical month: the month's distribution of daily means (NASA
  MERRA-2, 2011-2015, as histograms in gsee-climate-data) cut into as many equal-probability parts as
  the month has days, each day the median of its part.
- iran_temperature.csv: for each 0.75-degree point of ITU-R P.1510-1 around Iran, the monthly mean
  surface temperature (deg C) and the height of the surface it refers to (ITU-R P.1511-1 topography,
  bilinear, metres).
"""
import os
import calendar
import numpy as np
import gsee_climate_data
import itur

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "solar", "data")
YEAR = 2025  # the typical year's calendar (not a leap year)
LAT_MIN, LAT_MAX, LON_MIN, LON_MAX = 23.0, 41.5, 42.0, 65.0


def daily_ghi():
    path = os.path.join(os.path.dirname(gsee_climate_data.__file__), "data", "merra2_rad3x3_2011-2015_pdfs_land_prox.npz")
    d = np.load(path)
    xk, pk, lats, lons = d["xk"], d["pk"], d["lat"], d["lon"]
    rows = []
    for i, lat in enumerate(lats):
        if not (LAT_MIN - 3 <= lat <= LAT_MAX + 3):
            continue
        for j, lon in enumerate(lons):
            if not (LON_MIN - 3 <= lon <= LON_MAX + 3):
                continue
            for m in range(12):
                x = xk[i, j, m].astype(float)
                p = np.nan_to_num(pk[i, j, m].astype(float))
                if p.sum() <= 0 or not np.isfinite(x).all():
                    continue
                order = np.argsort(x)
                x, p = x[order], p[order] / p.sum()
                cdf = np.cumsum(p)
                n = calendar.monthrange(YEAR, m + 1)[1]
                probs = (np.arange(n) + 0.5) / n
                # The value at each probability, linear between the bins' cumulative probabilities.
                values = np.interp(probs, cdf - p / 2, x)
                rows.append((lat, lon, m + 1, values))
    with open(os.path.join(OUT, "iran_daily_ghi.csv"), "w") as f:
        f.write("# NASA MERRA-2 2011-2015 daily mean GHI (W/m2) by 3-degree cell and month, via gsee-climate-data 1.0.0; scripts/iran_climate.py\n")
        f.write("lat,lon,month,days\n")
        for lat, lon, m, values in rows:
            f.write(f"{lat:.1f},{lon:.1f},{m}," + " ".join(f"{v:.1f}" for v in values) + "\n")
    print("cells x months:", len(rows))


def temperature():
    lat = np.arange(LAT_MIN, LAT_MAX + 1e-9, 0.75)
    lon = np.arange(LON_MIN, LON_MAX + 1e-9, 0.75)
    grid_lat, grid_lon = np.meshgrid(lat, lon, indexing="ij")
    topo_km = np.array(itur.models.itu1511.topographic_altitude(grid_lat, grid_lon).value)
    months = [np.array(itur.models.itu1510.surface_month_mean_temperature(grid_lat, grid_lon, m).value) - 273.15 for m in range(1, 13)]
    with open(os.path.join(OUT, "iran_temperature.csv"), "w") as f:
        f.write("# ITU-R P.1510-1 monthly mean surface temperature (deg C), surface height from ITU-R P.1511-1 (m), via itur 0.4.0; scripts/iran_climate.py\n")
        f.write("lat,lon,surface_m," + ",".join(f"t{m:02d}" for m in range(1, 13)) + "\n")
        for a in range(len(lat)):
            for b in range(len(lon)):
                temps = ",".join(f"{months[m][a, b]:.2f}" for m in range(12))
                f.write(f"{lat[a]:.2f},{lon[b]:.2f},{topo_km[a, b] * 1000:.0f},{temps}\n")
    print("temperature points:", grid_lat.size)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    daily_ghi()
    temperature()
