print("alip")
