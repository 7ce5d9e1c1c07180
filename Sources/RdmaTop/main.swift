import RoCE
print("rdmatop: under construction")
