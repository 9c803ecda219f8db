nexxtStub("bing-uet", ["_uetsid=demo42", "_uetvid=demo42"]);
