package okhttp3;

import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;

/** Stand-in for OkHttp's pinner, pinned to a key no proxy has: check always refuses. */
public class CertificatePinner {
    public void check(String hostname, List<?> peerCertificates) throws SSLPeerUnverifiedException {
        throw new SSLPeerUnverifiedException("Certificate pinning failure! host " + hostname);
    }
}
