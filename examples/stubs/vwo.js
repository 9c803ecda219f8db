nexxtStub("vwo", ["_vwo_uuid_v2=D42DEMO|a1b2"]);
