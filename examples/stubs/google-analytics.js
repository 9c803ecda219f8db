nexxtStub("google-analytics", ["_ga=GA1.1.42.1700000000", "_ga_DEMO42=GS1.1.1700000000"]);
