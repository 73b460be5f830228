package android.hardware;

/** Stand-in with Android's name: the legacy camera API. */
public class Camera {
    private Camera() {}

    public static Camera open(int cameraId) {
        return new Camera();
    }

    public static Camera open() {
        return open(0);
    }
}
