"""Static precheck of app packages (APK, HAP / APP): what an install needs, read before trying it."""
