package com.google.android.gms.location;

/** Stand-in for play-services-location 21+, where the client became an interface (its methods return Tasks). */
public interface FusedLocationProviderClient {
    Object getLastLocation();
}
