// The Java hook catalogue: which classes and methods each family watches, and what of each call is
// worth reporting. Classes an app does not ship are simply absent; SDK classes that load later are
// picked up when their class loader appears (java.ts).

export type Summary = (args: unknown[], result: unknown) => Record<string, unknown> | null;

export interface JavaHook {
  family: "location" | "camera" | "media" | "capture-intent";
  className: string;
  methods: string[];
  /** What to report of a call; returning null means this call is not of interest (no event). */
  summary?: Summary;
  /** Where an app gets an instance when `className` is an interface: the class behind it is hooked from there. */
  factory?: { className: string; method: string };
}

const MEDIA_ACTIONS = new Set([
  "android.media.action.IMAGE_CAPTURE",
  "android.media.action.VIDEO_CAPTURE",
  "android.media.action.IMAGE_CAPTURE_SECURE",
  "android.intent.action.PICK",
  "android.intent.action.GET_CONTENT",
  "android.provider.action.PICK_IMAGES",
]);

const SENSOR_TYPES: Record<number, string> = { 18: "step-detector", 19: "step-counter", 1: "accelerometer" };

function javaString(value: unknown): string {
  if (value === null || value === undefined) return "";
  try {
    return String((value as { toString(): string }).toString());
  } catch (e) {
    return "";
  }
}

/** A Location-like result (android.location.Location, AMapLocation, BDLocation, TencentLocation). */
export function position(value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  const object = value as { getLatitude?: () => number; getLongitude?: () => number };
  try {
    if (typeof object.getLatitude === "function" && typeof object.getLongitude === "function") {
      return { latitude: object.getLatitude(), longitude: object.getLongitude() };
    }
  } catch (e) { /* not a position after all */ }
  return null;
}

const withPosition: Summary = (args, result) => {
  const detail: Record<string, unknown> = {};
  const where = position(result);
  if (where !== null) detail.result = where;
  if (typeof args[0] === "string") detail.provider = args[0];
  return detail;
};

const mediaUri: Summary = (args) => {
  const uri = javaString(args[0]);
  return uri.startsWith("content://media/") ? { uri: uri.slice(0, 200) } : null;
};

const captureIntent: Summary = (args) => {
  const intent = args[0] as { getAction?: () => string | null } | null;
  const action = intent && typeof intent.getAction === "function" ? intent.getAction() : null;
  return action !== null && MEDIA_ACTIONS.has(action) ? { action } : null;
};

const sensor: Summary = (args) => {
  const s = args[1] as { getType?: () => number } | null;
  const type = s && typeof s.getType === "function" ? s.getType() : -1;
  return type in SENSOR_TYPES ? { sensor: SENSOR_TYPES[type] } : null;
};

export const CATALOGUE: JavaHook[] = [
  { family: "location", className: "android.location.LocationManager",
    methods: ["requestLocationUpdates", "getLastKnownLocation", "requestSingleUpdate", "getCurrentLocation"],
    summary: withPosition },
  { family: "location", className: "android.location.Location", methods: ["getLatitude", "getLongitude"],
    summary: (_args, result) => ({ value: result }) },
  { family: "location", className: "android.location.Geocoder", methods: ["getFromLocation"],
    summary: (args) => ({ latitude: args[0], longitude: args[1] }) },
  { family: "location", className: "android.telephony.TelephonyManager", methods: ["getCellLocation", "getAllCellInfo"] },
  { family: "location", className: "android.net.wifi.WifiManager", methods: ["getScanResults", "getConnectionInfo"] },
  { family: "location", className: "android.hardware.SensorManager", methods: ["registerListener"], summary: sensor },
  // A class until play-services-location 21, an interface since (its implementation's name is obfuscated).
  { family: "location", className: "com.google.android.gms.location.FusedLocationProviderClient",
    methods: ["getLastLocation", "requestLocationUpdates", "getCurrentLocation"],
    factory: { className: "com.google.android.gms.location.LocationServices", method: "getFusedLocationProviderClient" } },
  { family: "location", className: "com.amap.api.location.AMapLocationClient",
    methods: ["startLocation", "setLocationListener", "getLastKnownLocation"], summary: withPosition },
  { family: "location", className: "com.baidu.location.LocationClient",
    methods: ["start", "registerLocationListener", "requestLocation"] },
  { family: "location", className: "com.tencent.map.geolocation.TencentLocationManager",
    methods: ["requestLocationUpdates", "requestSingleFreshLocation"] },
  { family: "camera", className: "android.hardware.Camera", methods: ["open", "takePicture"] },
  { family: "camera", className: "android.hardware.camera2.CameraManager", methods: ["openCamera"],
    summary: (args) => ({ camera: javaString(args[0]) }) },
  { family: "camera", className: "androidx.camera.core.ImageCapture", methods: ["takePicture"] },
  { family: "media", className: "android.media.MediaRecorder", methods: ["start"] },
  { family: "media", className: "android.media.AudioRecord", methods: ["startRecording"] },
  { family: "media", className: "android.content.ContentResolver",
    methods: ["query", "insert", "openInputStream", "openFileDescriptor"], summary: mediaUri },
  { family: "media", className: "android.media.ExifInterface", methods: ["getLatLong", "setAttribute"],
    summary: (args) => (typeof args[0] === "string" ? { tag: args[0] } : {}) },
  { family: "capture-intent", className: "android.app.Activity", methods: ["startActivityForResult"],
    summary: captureIntent },
];
