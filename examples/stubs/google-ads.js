nexxtStub("google-ads", ["_gcl_au=1.1.42.1700000000"]);
