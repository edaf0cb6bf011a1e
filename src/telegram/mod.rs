//! The Telegram Bot API: webhook set-up and diagnosis, messages, any method.
//! Being built in its own issue; the add-in reports the methods as not available until then.
