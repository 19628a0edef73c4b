using Rewind.Cli;

return await RewindCli.RunAsync(args);
