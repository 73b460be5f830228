package com.amap.api.location;

import android.location.LocationManager;

/** Stand-in for the AMap location SDK: it reads the platform's location itself. */
public class AMapLocationClient {
    private final LocationManager manager;

    public AMapLocationClient(LocationManager manager) { this.manager = manager; }

    public void startLocation() {
        manager.requestLocationUpdates(LocationManager.GPS_PROVIDER, 1000L, 0f, this);
    }
}
