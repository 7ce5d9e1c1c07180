import RdmaTopCLI

// The command line lives in the RdmaTopCLI library (the fuzzing harness calls it too).
RdmaTopCLI.RdmaTop.main()
