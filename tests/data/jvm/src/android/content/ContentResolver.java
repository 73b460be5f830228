package android.content;

import android.net.Uri;
import java.io.ByteArrayInputStream;
import java.io.InputStream;

/** Stand-in with Android's name: reading a picture from the gallery goes through here. */
public class ContentResolver {
    public InputStream openInputStream(Uri uri) {
        return new ByteArrayInputStream(new byte[] {1, 2, 3});
    }
}
