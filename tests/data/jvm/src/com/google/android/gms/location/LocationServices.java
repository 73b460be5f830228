package com.google.android.gms.location;

import android.content.Context;
import com.google.android.gms.internal.location.zzbi;

/** Stand-in with play services' name: the only way an app gets a FusedLocationProviderClient since version 21. */
public class LocationServices {
    private LocationServices() {}

    public static FusedLocationProviderClient getFusedLocationProviderClient(Context context) {
        return new zzbi();
    }
}
