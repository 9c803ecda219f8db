nexxtStub("linkedin-insight", ["li_fat_id=demo-42"]);
