//! Self-signed certificates for a web publication (`MakeCert`): key, PEM and PFX.
//! Being built in its own issue; the add-in reports the method as not available until then.
