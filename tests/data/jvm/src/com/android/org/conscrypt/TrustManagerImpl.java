package com.android.org.conscrypt;

import java.security.cert.CertificateException;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Stand-in for Android 10+'s Conscrypt trust manager with no user CA: every chain is refused here. */
public class TrustManagerImpl {
    public List<X509Certificate> checkTrustedRecursive(X509Certificate[] certs, byte[] ocspData, byte[] tlsSctData,
            String host, boolean clientAuth, ArrayList<X509Certificate> untrustedChain,
            ArrayList<TrustAnchor> trustAnchorChain, Set<X509Certificate> used) throws CertificateException {
        throw new CertificateException("Trust anchor for certification path not found.");
    }
}
