//! XMPP (jabber): one message over TCP or BOSH, and a session that stays connected.
//! Being built in its own issue; the add-in reports the methods as not available until then.
