package android.location;

/** Stand-in with Android's name: what LocationManager hands out. */
public class Location {
    private final String provider;
    private final double latitude;
    private final double longitude;

    public Location(String provider, double latitude, double longitude) {
        this.provider = provider;
        this.latitude = latitude;
        this.longitude = longitude;
    }

    public String getProvider() { return provider; }
    public double getLatitude() { return latitude; }
    public double getLongitude() { return longitude; }
}
