#!/usr/bin/env escript
%% extract.escript APP=FILE... prints one line per cuttlefish mapping of the given schema
%% files: "key<TAB>target<TAB>datatype". It reads the files the way cuttlefish does
%% (erl_scan, erl_parse, erl_eval: translations are funs, never called here), so what it
%% lists is what the broker's own schema accepts. APP=FILE.partial files are only used by
%% {include_partial, {App, Name}, Opts} forms (RabbitMQ 4.3+), which copy a partial's
%% mappings under a prefix.
-mode(compile).

main(Args) ->
    Files = [split_arg(A) || A <- Args],
    Partials = maps:from_list([{{App, filename:basename(F, ".partial")}, F}
                               || {App, F} <- Files, filename:extension(F) =:= ".partial"]),
    Lines = lists:append([mappings(forms(F), Partials)
                          || {_App, F} <- Files, filename:extension(F) =:= ".schema"]),
    [io:format("~ts\t~ts\t~ts~n", [K, T, D]) || {K, T, D} <- lists:usort(Lines)],
    ok.

split_arg(A) ->
    [App, File] = string:split(A, "="),
    {list_to_atom(App), File}.

%% forms evaluates every top-level form of a schema file, as cuttlefish_schema does.
forms(File) ->
    {ok, Bin} = file:read_file(File),
    {ok, Tokens, _} = erl_scan:string(unicode:characters_to_list(Bin)),
    [eval(Form) || Form <- split_dots(Tokens, [], [])].

split_dots([], [], Acc) -> lists:reverse(Acc);
split_dots([{dot, _} = D | Rest], Cur, Acc) -> split_dots(Rest, [], [lists:reverse([D | Cur]) | Acc]);
split_dots([T | Rest], Cur, Acc) -> split_dots(Rest, [T | Cur], Acc).

eval(Tokens) ->
    {ok, Exprs} = erl_parse:parse_exprs(Tokens),
    {value, Term, _} = erl_eval:exprs(Exprs, erl_eval:new_bindings()),
    Term.

mappings(Terms, Partials) ->
    lists:append([mapping(T, Partials) || T <- Terms]).

mapping({mapping, Key, Target, Opts}, _) ->
    %% {alias, Old} (RabbitMQ 4.2+) keeps a renamed key working: both names are valid.
    Datatype = datatype(proplists:get_value(datatype, Opts, string)),
    [{K, Target, Datatype} || K <- [Key | proplists:get_all_values(alias, Opts)]];
mapping({include_partial, {App, Name}, Opts}, Partials) ->
    Prefix = proplists:get_value(prefix, Opts),
    AppPrefix = proplists:get_value(app_prefix, Opts),
    Inner = mappings(forms(maps:get({App, Name}, Partials)), Partials),
    Disable = case proplists:get_value(disable_with, Opts) of
                  undefined -> [];
                  Off -> [{Prefix, AppPrefix, datatype({enum, [Off]})}]
              end,
    Disable ++ [{Prefix ++ "." ++ K, AppPrefix ++ "." ++ T, D} || {K, T, D} <- Inner];
mapping(_, _) ->
    [].

%% datatype writes a cuttlefish datatype compactly: integer, enum:a,b, duration:ms,
%% integer|ip for a list of alternatives.
datatype(L) when is_list(L) -> lists:join("|", [datatype(D) || D <- L]);
datatype({enum, Values}) -> ["enum:", lists:join(",", [text(V) || V <- Values])];
datatype({Kind, Arg}) when is_atom(Kind) -> [atom_to_list(Kind), ":", text(Arg)];
datatype({flag, On, Off}) -> ["flag:", text(On), ",", text(Off)];
datatype(A) when is_atom(A) -> atom_to_list(A);
datatype(Other) -> io_lib:format("~0p", [Other]).

text(A) when is_atom(A) -> atom_to_list(A);
text(S) when is_list(S) ->
    case io_lib:printable_list(S) of
        true -> S;
        false -> io_lib:format("~0p", [S])
    end;
text(B) when is_binary(B) -> binary_to_list(B);
text(T) -> io_lib:format("~0p", [T]).
