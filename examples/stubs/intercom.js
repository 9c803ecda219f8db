nexxtStub("intercom", ["intercom-id-demo=42", "intercom-session-demo=s42"]);
