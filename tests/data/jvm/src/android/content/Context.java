package android.content;

/** Stand-in with Android's name: what LocationServices is handed. */
public class Context {
}
