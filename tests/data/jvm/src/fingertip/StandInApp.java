package fingertip;

import android.content.ContentResolver;
import android.content.Context;
import android.hardware.Camera;
import android.location.Location;
import android.location.LocationManager;
import android.net.Uri;
import com.amap.api.location.AMapLocationClient;
import com.android.org.conscrypt.TrustManagerImpl;
import com.google.android.gms.location.LocationServices;
import java.io.BufferedReader;
import java.io.File;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;

/**
 * A JVM program shaped like an Android app, for Fingertip's Java hooks: it waits until the test has
 * attached (a JVM must be attached to after start), then reads the location directly and through the
 * AMap SDK, opens the camera and the gallery, and makes TLS connections that only succeed when the
 * capture CA is trusted inside the process, plus one to a server the platform's own anchors trust (an SDK that
 * bypasses the proxy). OkHttp's pinner lives in a plug-in class loader made only when the test asks, as an app's
 * classes appear after the agent is in. Each outcome is printed for the test to compare, then `done`.
 *
 * args: latitude longitude https-url ours.pem others.pem system-https-url plugin-classes-dir
 */
public class StandInApp {
    private static ClassLoader plugin;

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        System.out.println("ready");
        System.out.flush();
        LocationManager manager = new LocationManager(Double.parseDouble(args[0]), Double.parseDouble(args[1]));
        // The test attaches, then repeats a command until its hook is seen (HotSpot may apply a new hook a moment
        // after it is installed), then says `go`.
        for (String line = in.readLine(); line != null && !"go".equals(line); line = in.readLine()) {
            switch (line) {
                case "warm" -> {
                    manager.getLastKnownLocation("warmup").getLatitude();
                    System.out.println("warm");
                }
                case "flp" -> {
                    LocationServices.getFusedLocationProviderClient(new Context()).getLastLocation();
                    System.out.println("flp");
                }
                case "plugin" -> {
                    pinner(args[6]);
                    System.out.println("plugin");
                }
                case "pin" -> System.out.println("pin " + pinned(args[6]));
                default -> System.out.println("unknown " + line);
            }
            System.out.flush();
        }

        Location here = manager.getLastKnownLocation(LocationManager.GPS_PROVIDER);
        System.out.println("location " + here.getLatitude() + "," + here.getLongitude());
        double sum = 0;
        for (int i = 0; i < 500; i++) {  // a tight loop: the agent must stay within its event budget
            sum += here.getLongitude();
        }
        new AMapLocationClient(manager).startLocation();
        Camera.open();
        new ContentResolver().openInputStream(Uri.parse("content://media/external/images/media/42"));
        new ContentResolver().openInputStream(Uri.parse("content://com.example.notes/1"));

        System.out.println("https " + https(args[2]));
        System.out.println("https-system " + https(args[5]));
        System.out.println("pinned " + pinned(args[6]));
        System.out.println("conscrypt-ours " + conscrypt(args[3]));
        System.out.println("conscrypt-others " + conscrypt(args[4]));
        System.out.println("done");
        System.out.flush();
        in.readLine();  // stay alive until the test has collected the events
    }

    static String https(String url) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, null, null);  // the platform's default trust
            HttpsURLConnection connection = (HttpsURLConnection) new URL(url).openConnection();
            connection.setSSLSocketFactory(context.getSocketFactory());
            connection.setConnectTimeout(5000);
            connection.setReadTimeout(5000);
            return "ok " + connection.getResponseCode();
        } catch (Exception e) {
            return "refused " + e.getClass().getSimpleName();
        }
    }

    /** OkHttp's pinner from the plug-in loader, loaded (not yet called) the first time. */
    static Class<?> pinner(String dir) throws Exception {
        if (plugin == null) {
            plugin = new URLClassLoader(new URL[] {new File(dir).toURI().toURL()}, StandInApp.class.getClassLoader());
        }
        return Class.forName("okhttp3.CertificatePinner", true, plugin);
    }

    static String pinned(String dir) {
        try {
            Class<?> klass = pinner(dir);
            klass.getMethod("check", String.class, List.class).invoke(klass.getConstructor().newInstance(),
                    "api.example.test", new ArrayList<Object>());
            return "ok";
        } catch (InvocationTargetException e) {
            return "refused " + e.getCause().getClass().getSimpleName();
        } catch (Exception e) {
            return "refused " + e.getClass().getSimpleName();
        }
    }

    static String conscrypt(String pem) {
        try (FileInputStream file = new FileInputStream(pem)) {
            X509Certificate leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(file);
            List<X509Certificate> trusted = new TrustManagerImpl().checkTrustedRecursive(new X509Certificate[] {leaf},
                    null, null, "api.example.test", false, new ArrayList<>(), new ArrayList<>(), new HashSet<>());
            return "ok " + trusted.size();
        } catch (Exception e) {
            return "refused " + e.getClass().getSimpleName();
        }
    }
}
