nexxtStub("hotjar", ["_hjSessionUser_4242=eyJpZCI6ImRlbW8ifQ", "_hjSession_4242=eyJpZCI6InMifQ; Max-Age=1800"]);
